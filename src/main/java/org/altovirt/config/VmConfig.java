package org.altovirt.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the command line (and a {@code -config} file) says about the VM to start, checked:
 * every device's drive or netdev exists, limits hold, files exist. Made by {@link
 * CommandLine#parse}; immutable.
 *
 * @param name {@code -name}; null when absent
 * @param machine {@code -machine}, {@code -m}, {@code -mem-path}
 * @param accel {@code -accel}; {@link Accel#AUTO} when absent
 * @param cpus {@code -smp}; one vCPU when absent
 * @param boot {@code -kernel}, {@code -append}, {@code -initrd}
 * @param drives {@code -drive}s: the config file's first, then the command line's
 * @param netdevs {@code -netdev}s: the config file's first, then the command line's
 * @param devices {@code -device}s: the config file's first, then the command line's, in order
 * @param qmp {@code -qmp}: always present
 * @param serial {@code -serial}; {@link SerialConfig.None} when absent
 * @param incoming {@code -incoming file:DIR}: the snapshot directory to restore from; null when
 *     absent
 * @param logFile {@code -D FILE}; null when absent
 * @param daemonize {@code -daemonize}
 * @param pidFile {@code -pidfile FILE}; null when absent
 * @param startPaused {@code -S}: do not start the vCPUs until QMP {@code cont}
 */
public record VmConfig(
        String name,
        MachineConfig machine,
        Accel accel,
        CpuTopology cpus,
        BootSource boot,
        List<DriveConfig> drives,
        List<NetdevConfig> netdevs,
        List<DeviceConfig> devices,
        QmpConfig qmp,
        SerialConfig serial,
        Path incoming,
        Path logFile,
        boolean daemonize,
        Path pidFile,
        boolean startPaused) {

    public VmConfig {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(cpus, "cpus");
        Objects.requireNonNull(boot, "boot");
        Objects.requireNonNull(qmp, "qmp");
        Objects.requireNonNull(serial, "serial");
        drives = List.copyOf(drives);
        netdevs = List.copyOf(netdevs);
        devices = List.copyOf(devices);
    }

    /** The drive with this id. */
    public Optional<DriveConfig> drive(String id) {
        return drives.stream().filter(d -> d.id().equals(id)).findFirst();
    }

    /** The netdev with this id. */
    public Optional<NetdevConfig> netdev(String id) {
        return netdevs.stream().filter(n -> n.id().equals(id)).findFirst();
    }

    /** The devices of one kind, in order, e.g. {@code devices(DeviceConfig.VirtioBlk.class)}. */
    public <T extends DeviceConfig> List<T> devices(Class<T> kind) {
        return devices.stream().filter(kind::isInstance).map(kind::cast).toList();
    }
}
