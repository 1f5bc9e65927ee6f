package org.altovirt.boot;

import org.altovirt.memory.GuestMemory;

/**
 * A kernel image copied into guest memory, and what the rest of the loader needs to know about it.
 *
 * @param start the first byte loaded
 * @param end the first byte after what the kernel occupies while booting
 * @param entry the 64-bit entry point, guest-physical
 * @param setupHeader a bzImage's setup header, the file's bytes from 0x1F1 to the header's end;
 *     null for the formats that have none
 * @param initrdAddrMax the highest address the initrd may occupy
 * @param cmdlineSize the longest command line the kernel takes, without its NUL
 */
record LoadedKernel(
        BootImage.Format format, long start, long end, long entry,
        byte[] setupHeader, long initrdAddrMax, long cmdlineSize) {

    /** Below 1 MiB lie the loader's own structures (GDT, boot_params, page tables, cmdline). */
    static final long LOWEST_LOAD_ADDRESS = 0x10_0000;

    /**
     * Refuses to load {@code [gpa, gpa+length)} unless it lies in one RAM range and not below
     * 1 MiB. Addresses and lengths come from the file and may be anything, negative included.
     */
    static void requirePlacement(GuestMemory memory, ImageFile file, String what, long gpa, long length)
            throws BootException {
        boolean wraps = gpa < 0 || length < 0 || gpa > Long.MAX_VALUE - length;
        if (wraps || !memory.contains(gpa, length)) {
            throw file.error(String.format("%s [0x%x, 0x%x) does not fit in guest RAM %s",
                    what, gpa, gpa + length, memory));
        }
        if (gpa < LOWEST_LOAD_ADDRESS) {
            throw file.error(String.format("%s at 0x%x is below 1 MiB, where the loader keeps boot_params,"
                    + " the command line and the page tables", what, gpa));
        }
    }
}
