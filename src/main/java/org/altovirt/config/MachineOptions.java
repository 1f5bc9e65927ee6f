package org.altovirt.config;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The values of {@code -machine}, {@code -accel}, {@code -m} and {@code -mem-path}. */
final class MachineOptions {
    private static final List<String> MACHINE_KEYS = List.of("type", "dump-guest-core", "mem-share", "accel", "acpi");
    private static final Pattern MEMORY = Pattern.compile("([0-9]{1,12})([MmGg]?)");
    private static final String MEMORY_RANGE = "memory must be between 128M and 512G";

    private MachineOptions() {}

    /** What one {@code -machine} says; null members were not given. */
    record Machine(String type, Boolean dumpGuestCore, Boolean memShare, Accel accel, Boolean acpi) {}

    /**
     * {@code -machine [type=]microvm[,dump-guest-core=on|off][,mem-share=on|off][,accel=kvm|emu]
     * [,acpi=on|off]}.
     */
    static Machine machine(String raw) throws ConfigException {
        KeyValues kv = KeyValues.parse(raw, "type").named("-machine " + raw).allow(MACHINE_KEYS);
        String type = kv.string("type");
        if (type != null) {
            type = machineType(kv.where(), type);
        }
        Boolean dump = kv.has("dump-guest-core") ? kv.onOff("dump-guest-core", true) : null;
        Boolean share = kv.has("mem-share") ? kv.onOff("mem-share", false) : null;
        String accel = kv.string("accel");
        Boolean acpi = kv.has("acpi") ? kv.onOff("acpi", true) : null;
        return new Machine(type, dump, share, accel == null ? null : accel(kv.where(), accel), acpi);
    }

    /** A machine type: {@code microvm} in any case ({@code MicroVm} in StratoVirt's files). */
    static String machineType(String where, String type) throws ConfigException {
        if (!type.equalsIgnoreCase(MachineConfig.MICROVM)) {
            throw new ConfigException(where + ": machine type '" + type
                    + "' is not supported (allowed: " + MachineConfig.MICROVM + ")");
        }
        return MachineConfig.MICROVM;
    }

    /** {@code -accel kvm|emu}. */
    static Accel accel(String where, String name) throws ConfigException {
        return switch (name) {
            case "kvm" -> Accel.KVM;
            case "emu" -> Accel.EMU;
            default -> throw new ConfigException(where + ": accelerator must be kvm or emu");
        };
    }

    /**
     * {@code -m [size=]MEM}: a whole number of MiB, or with a suffix M/m (MiB) or G/g (GiB);
     * 128M to 512G.
     */
    static long memory(String raw) throws ConfigException {
        String where = "-m " + raw;
        KeyValues kv = KeyValues.parse(raw, "size").named(where).allow(List.of("size"));
        String size = kv.required("size");
        Matcher m = MEMORY.matcher(size);
        if (!m.matches()) {
            throw new ConfigException(where
                    + ": memory must be a whole number of MiB, optionally with an M or G suffix (e.g. 1024, 512M, 2G)");
        }
        long n = Long.parseLong(m.group(1));
        long bytes = m.group(2).equalsIgnoreCase("G") ? n << 30 : n << 20;
        if (n > (MachineConfig.MAX_MEM_BYTES >> 20) || bytes < MachineConfig.MIN_MEM_BYTES
                || bytes > MachineConfig.MAX_MEM_BYTES) {
            throw new ConfigException(where + ": " + MEMORY_RANGE);
        }
        return bytes;
    }

    /** The config file's {@code mem_size} in bytes; the schema has checked the range. */
    static long memoryBytes(String where, long bytes) throws ConfigException {
        if (bytes < MachineConfig.MIN_MEM_BYTES || bytes > MachineConfig.MAX_MEM_BYTES) {
            throw new ConfigException(where + ": " + MEMORY_RANGE);
        }
        if (bytes % MachineConfig.PAGE_SIZE != 0) {
            throw new ConfigException(where + ": memory must be a multiple of 4096 bytes");
        }
        return bytes;
    }

    /** {@code -mem-path PATH} or the file's {@code mem_path}: an absolute path. */
    static Path memPath(String where, String path) throws ConfigException {
        Path p = HostFiles.path(where, path);
        if (!p.isAbsolute()) {
            throw new ConfigException(where + ": the path must be absolute");
        }
        return p;
    }
}
