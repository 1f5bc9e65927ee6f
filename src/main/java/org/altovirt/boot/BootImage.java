package org.altovirt.boot;

import java.util.List;

/**
 * What {@link LinuxLoader} put in guest memory and what the VMM needs from it: the boot CPU's
 * initial state, where the kernel and initrd lie, the command line as the kernel sees it and the
 * e820 map it was given.
 *
 * @param cpu the state the boot vCPU starts in
 * @param format which kind of kernel image was loaded
 * @param kernelStart the first guest-physical byte the kernel was loaded at
 * @param kernelEnd the first byte after the memory the kernel occupies while it boots (for a
 *     bzImage this includes the room it decompresses into, from its {@code init_size})
 * @param initrdAddress where the initrd was loaded; 0 when there is none
 * @param initrdSize the initrd's size in bytes; 0 when there is none
 * @param cmdline the full command line written to guest memory, extra parameters included
 * @param e820 the memory map in boot_params, lowest address first
 */
public record BootImage(
        BootCpuState cpu, Format format, long kernelStart, long kernelEnd,
        long initrdAddress, long initrdSize, String cmdline, List<E820Entry> e820) {

    /** The kernel image formats the loader understands; it tells them apart by their magic. */
    public enum Format {
        /** A bzImage (vmlinuz) with a setup header, booted through its 64-bit entry. */
        BZIMAGE,
        /** An uncompressed ELF64 vmlinux, loaded at its segments' physical addresses. */
        ELF,
        /** A flat vmlinux.bin, loaded at 16 MiB and entered at its first byte. */
        RAW
    }

    public BootImage {
        e820 = List.copyOf(e820);
    }
}
