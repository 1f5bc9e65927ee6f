package org.altovirt.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The VM configuration while it is being read: the {@code -config} file's values first, then the
 * command line's, each setter overriding what was there. {@link #build()} checks what needs every
 * option at once (device references, limits, combinations) and makes the immutable {@link
 * VmConfig}.
 */
final class ConfigDraft {
    /** A value and how its errors start, e.g. {@code "-device virtio-blk-device,drive=x"}. */
    private record Sourced<T>(String where, T value) {}

    private String name;
    private String machineType = MachineConfig.MICROVM;
    private long memBytes = MachineConfig.DEFAULT_MEM_BYTES;
    private Path memPath;
    private boolean dumpGuestCore = true;
    private boolean memShare;
    private boolean acpi = true;
    private Accel accel = Accel.AUTO;
    private CpuTopology cpus = CpuTopology.of(1);
    private Sourced<Path> kernel;
    private String cmdline = "";
    private Sourced<Path> initrd;
    private final Map<String, DriveConfig> drives = new LinkedHashMap<>();
    private final Map<String, NetdevConfig> netdevs = new LinkedHashMap<>();
    private final List<Sourced<DeviceConfig>> devices = new ArrayList<>();
    private QmpConfig qmp;
    private SerialConfig serial = new SerialConfig.None();
    private Path incoming;
    private Path logFile;
    private boolean daemonize;
    private Path pidFile;
    private boolean startPaused;

    void name(String name) {
        this.name = name;
    }

    /** Applies one {@code -machine}: only the members it gives change. */
    void machine(MachineOptions.Machine m) {
        if (m.type() != null) {
            machineType = m.type();
        }
        if (m.dumpGuestCore() != null) {
            dumpGuestCore = m.dumpGuestCore();
        }
        if (m.acpi() != null) {
            acpi = m.acpi();
        }
        if (m.memShare() != null) {
            memShare = m.memShare();
        }
        if (m.accel() != null) {
            accel = m.accel();
        }
    }

    void machineType(String type) {
        machineType = type;
    }

    void dumpGuestCore(boolean on) {
        dumpGuestCore = on;
    }

    void memShare(boolean on) {
        memShare = on;
    }

    void accel(Accel accel) {
        this.accel = accel;
    }

    void memBytes(long bytes) {
        memBytes = bytes;
    }

    void memPath(Path path) {
        memPath = path;
    }

    void cpus(CpuTopology topology) {
        cpus = topology;
    }

    /** The kernel; checked by {@link #build()}, since a later option may replace it. */
    void kernel(String where, Path path) {
        kernel = new Sourced<>(where, path);
    }

    void cmdline(String cmdline) {
        this.cmdline = cmdline;
    }

    /** The initrd; checked by {@link #build()}, since a later option may replace it. */
    void initrd(String where, Path path) {
        initrd = new Sourced<>(where, path);
    }

    /** Adds a drive; its id must be new. */
    void drive(String where, DriveConfig drive) throws ConfigException {
        if (drives.putIfAbsent(drive.id(), drive) != null) {
            throw new ConfigException(where + ": id '" + drive.id() + "' is already used by another drive");
        }
    }

    /** Adds a netdev; its id must be new. */
    void netdev(String where, NetdevConfig netdev) throws ConfigException {
        if (netdevs.putIfAbsent(netdev.id(), netdev) != null) {
            throw new ConfigException(where + ": id '" + netdev.id() + "' is already used by another netdev");
        }
    }

    /** Adds a device; what it refers to is checked by {@link #build()}. */
    void device(String where, DeviceConfig device) {
        devices.add(new Sourced<>(where, device));
    }

    void qmp(QmpConfig qmp) {
        this.qmp = qmp;
    }

    void serial(SerialConfig serial) {
        this.serial = serial;
    }

    void incoming(Path dir) {
        incoming = dir;
    }

    void logFile(Path file) {
        logFile = file;
    }

    void daemonize() {
        daemonize = true;
    }

    void pidFile(Path file) {
        pidFile = file;
    }

    void startPaused() {
        startPaused = true;
    }

    /** Checks what needs all options at once and makes the configuration. */
    VmConfig build() throws ConfigException {
        if (qmp == null) {
            throw new ConfigException("-qmp is required: the VM is managed through a QMP socket ("
                    + ChannelOptions.QMP_SYNTAX + ")");
        }
        BootSource boot = boot();
        List<DeviceConfig> checked = checkDevices();
        if (daemonize && serial instanceof SerialConfig.Stdio) {
            throw new ConfigException(
                    "-daemonize cannot be used with -serial stdio: a daemon has no terminal");
        }
        MachineConfig machine = new MachineConfig(machineType, memBytes, memPath, dumpGuestCore, memShare, acpi);
        return new VmConfig(name, machine, accel, cpus, boot, List.copyOf(drives.values()),
                List.copyOf(netdevs.values()), checked, qmp, serial, incoming, logFile, daemonize,
                pidFile, startPaused);
    }

    private BootSource boot() throws ConfigException {
        if (kernel != null) {
            HostFiles.requireBootImage(kernel.where(), kernel.value());
        }
        if (initrd != null) {
            if (kernel == null) {
                throw new ConfigException(initrd.where() + ": an initrd needs a kernel (-kernel PATH)");
            }
            HostFiles.requireBootImage(initrd.where(), initrd.value());
        }
        return new BootSource(kernel == null ? null : kernel.value(), cmdline,
                initrd == null ? null : initrd.value());
    }

    /**
     * Every device's drive or netdev must exist and serve no other device; ids must be unique;
     * at most 6 disks, 2 NICs and 1 balloon. A disk without a serial takes its drive's.
     */
    private List<DeviceConfig> checkDevices() throws ConfigException {
        Set<String> ids = new HashSet<>();
        Set<String> usedDrives = new HashSet<>();
        Set<String> usedNetdevs = new HashSet<>();
        int disks = 0;
        int nics = 0;
        int balloons = 0;
        List<DeviceConfig> out = new ArrayList<>();
        for (Sourced<DeviceConfig> s : devices) {
            String where = s.where();
            DeviceConfig device = s.value();
            if (device instanceof DeviceConfig.VirtioBlk blk) {
                DriveConfig drive = drives.get(blk.drive());
                if (drive == null) {
                    throw new ConfigException(where + ": drive '" + blk.drive()
                            + "' is not defined by any -drive");
                }
                if (!usedDrives.add(blk.drive())) {
                    throw new ConfigException(where + ": drive '" + blk.drive()
                            + "' is already used by another device");
                }
                if (++disks > DeviceConfig.MAX_DISKS) {
                    throw new ConfigException(where + ": at most " + DeviceConfig.MAX_DISKS
                            + " virtio-blk disks are supported");
                }
                if (blk.serial() == null && drive.serial() != null) {
                    device = new DeviceConfig.VirtioBlk(blk.id(), blk.drive(), drive.serial(),
                            blk.iothread(), blk.bootIndex());
                }
            } else if (device instanceof DeviceConfig.VirtioNet net) {
                if (!netdevs.containsKey(net.netdev())) {
                    throw new ConfigException(where + ": netdev '" + net.netdev()
                            + "' is not defined by any -netdev");
                }
                if (!usedNetdevs.add(net.netdev())) {
                    throw new ConfigException(where + ": netdev '" + net.netdev()
                            + "' is already used by another device");
                }
                if (++nics > DeviceConfig.MAX_NICS) {
                    throw new ConfigException(where + ": at most " + DeviceConfig.MAX_NICS
                            + " virtio-net NICs are supported");
                }
            } else if (device instanceof DeviceConfig.VirtioBalloon) {
                if (++balloons > DeviceConfig.MAX_BALLOONS) {
                    throw new ConfigException(where + ": at most " + DeviceConfig.MAX_BALLOONS
                            + " virtio-balloon device is supported");
                }
            }
            if (!ids.add(device.id())) {
                throw new ConfigException(where + ": id '" + device.id() + "' is already used by another device");
            }
            out.add(device);
        }
        return out;
    }
}
