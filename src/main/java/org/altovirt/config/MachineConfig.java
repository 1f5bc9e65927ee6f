package org.altovirt.config;

import java.nio.file.Path;

/**
 * The machine: {@code -machine}, {@code -m} and {@code -mem-path}, or the config file's
 * {@code machine-config}.
 *
 * @param type the machine type; always {@value #MICROVM}, the only one supported
 * @param memBytes guest RAM in bytes, {@link #MIN_MEM_BYTES} to {@link #MAX_MEM_BYTES}, a
 *     multiple of 4096; {@link #DEFAULT_MEM_BYTES} when not given
 * @param memPath the file or directory backing guest RAM ({@code -mem-path}); null for anonymous
 *     memory
 * @param dumpGuestCore whether guest RAM goes into a core dump ({@code dump-guest-core}, default
 *     true)
 * @param memShare whether guest RAM is mapped shared ({@code mem-share}, default false)
 * @param acpi whether the guest gets ACPI tables ({@code acpi=on|off}, default on); the MP
 *     table and the {@code virtio_mmio.device=} parameters are there either way, for kernels
 *     built without ACPI
 */
public record MachineConfig(
        String type, long memBytes, Path memPath, boolean dumpGuestCore, boolean memShare, boolean acpi) {

    /** The only machine type: StratoVirt's lightweight microvm. */
    public static final String MICROVM = "microvm";
    /** 128 MiB, StratoVirt's smallest guest. */
    public static final long MIN_MEM_BYTES = 128L << 20;
    /** 512 GiB, StratoVirt's largest guest. */
    public static final long MAX_MEM_BYTES = 512L << 30;
    /** 256 MiB, StratoVirt's default. */
    public static final long DEFAULT_MEM_BYTES = 256L << 20;
    /** Guest RAM is mapped in pages of this size. */
    public static final long PAGE_SIZE = 4096;

    public MachineConfig {
        if (!MICROVM.equals(type)) {
            throw new IllegalArgumentException("machine type " + type + " is not " + MICROVM);
        }
        if (memBytes < MIN_MEM_BYTES || memBytes > MAX_MEM_BYTES || memBytes % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("memory size " + memBytes + " is out of range");
        }
    }

    /** The defaults: microvm, 256 MiB, anonymous memory, dumped, not shared, ACPI. */
    public static MachineConfig defaults() {
        return new MachineConfig(MICROVM, DEFAULT_MEM_BYTES, null, true, false, true);
    }
}
