package org.altovirt.boot;

import java.nio.ByteBuffer;
import org.altovirt.memory.GuestMemory;

/**
 * Loads a bzImage for the 64-bit boot protocol (Documentation/arch/x86/boot.rst): the real-mode
 * setup sectors are skipped, the protected-mode part goes to 1 MiB and is entered at its 64-bit
 * entry, 0x200 bytes in. Offsets below are those of the setup header in the file, which are also
 * its offsets in boot_params.
 */
final class BzImage {
    static final int SETUP_SECTS = 0x1F1;
    static final int SYSSIZE = 0x1F4;
    static final int BOOT_FLAG = 0x1FE;
    static final int JUMP = 0x200;
    static final int HEADER = 0x202;
    static final int VERSION = 0x206;
    static final int INITRD_ADDR_MAX = 0x22C;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;

    /** "HdrS", little-endian. */
    static final int HDRS_MAGIC = 0x5372_6448;
    static final short BOOT_FLAG_MAGIC = (short) 0xAA55;
    /** 2.12: the first protocol with xloadflags, so the first that can say "64-bit entry". */
    static final int MIN_VERSION = 0x020C;
    static final int XLF_KERNEL_64 = 1;
    /** Where the protected-mode kernel goes, and its 64-bit entry's offset from there. */
    static final long LOAD_ADDRESS = 0x10_0000;
    static final long ENTRY_64_OFFSET = 0x200;
    /** boot_params.edd_mbr_sig_buffer follows the setup header: no header may run past it. */
    static final int HEADER_AREA_END = 0x290;
    /** The end of the 2.12 header (handover_offset is its last field). */
    private static final int MIN_HEADER_END = 0x268;

    private BzImage() {}

    /**
     * @param head the file's first {@link #HEADER_AREA_END} bytes (fewer if the file is shorter)
     */
    static LoadedKernel load(ImageFile file, ByteBuffer head, GuestMemory memory) throws BootException {
        if (head.limit() < HEADER_AREA_END) {
            file.requireWithin(0, HEADER_AREA_END, "the setup header");
        }
        int version = Short.toUnsignedInt(head.getShort(VERSION));
        if (version < MIN_VERSION) {
            throw file.error(String.format("boot protocol %d.%02d is too old; 2.12 or later is needed",
                    version >> 8, version & 0xFF));
        }
        if ((Short.toUnsignedInt(head.getShort(XLOADFLAGS)) & XLF_KERNEL_64) == 0) {
            throw file.error("not a 64-bit kernel (XLF_KERNEL_64 not set)");
        }
        // The setup code begins with a short jump over the header: its target is the header's end.
        int headerEnd = HEADER + Byte.toUnsignedInt(head.get(JUMP + 1));
        if (head.get(JUMP) != (byte) 0xEB || headerEnd < MIN_HEADER_END || headerEnd > HEADER_AREA_END) {
            throw file.error(String.format("setup header has an invalid length (jump 0x%02x 0x%02x at 0x200);"
                    + " a 2.12+ header ends between 0x%x and 0x%x",
                    head.get(JUMP), head.get(JUMP + 1), MIN_HEADER_END, HEADER_AREA_END));
        }
        int sects = Byte.toUnsignedInt(head.get(SETUP_SECTS));
        long setupBytes = (long) ((sects == 0 ? 4 : sects) + 1) * 512;
        long syssize = Integer.toUnsignedLong(head.getInt(SYSSIZE)) * 16;
        file.requireWithin(setupBytes, syssize, "the protected-mode kernel (setup_sects " + sects
                + ", syssize " + syssize + " bytes)");
        long kernelBytes = file.size() - setupBytes;
        if (kernelBytes <= 0) {
            throw file.error("file is truncated: nothing follows the " + setupBytes + " bytes of setup code");
        }

        LoadedKernel.requirePlacement(memory, file, "the protected-mode kernel", LOAD_ADDRESS, kernelBytes);
        long end = footprintEnd(file, head, memory, LOAD_ADDRESS + kernelBytes);
        file.copyTo(memory, LOAD_ADDRESS, setupBytes, kernelBytes, "the protected-mode kernel");

        byte[] header = new byte[headerEnd - SETUP_SECTS];
        head.get(SETUP_SECTS, header);
        return new LoadedKernel(BootImage.Format.BZIMAGE, LOAD_ADDRESS, end, LOAD_ADDRESS + ENTRY_64_OFFSET,
                header, Integer.toUnsignedLong(head.getInt(INITRD_ADDR_MAX)),
                Integer.toUnsignedLong(head.getInt(CMDLINE_SIZE)));
    }

    /**
     * The end of the memory the kernel needs while it boots: it decompresses itself into
     * {@code init_size} bytes at its preferred address (or at the load address), which may reach
     * well past the file's end. The initrd must stay clear of it, and RAM must hold it.
     */
    private static long footprintEnd(ImageFile file, ByteBuffer head, GuestMemory memory, long loadedEnd)
            throws BootException {
        long initSize = Integer.toUnsignedLong(head.getInt(INIT_SIZE));
        long pref = head.getLong(PREF_ADDRESS);
        long base = Long.compareUnsigned(pref, LOAD_ADDRESS) > 0 ? pref : LOAD_ADDRESS;
        if (base < 0 || base > Long.MAX_VALUE - initSize || !memory.contains(base, initSize)) {
            throw file.error(String.format("the kernel needs [0x%x, +0x%x) to decompress into"
                    + " (pref_address, init_size), which is not in guest RAM %s", base, initSize, memory));
        }
        return Math.max(loadedEnd, base + initSize);
    }
}
