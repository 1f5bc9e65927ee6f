package org.altovirt.boot;

import java.util.List;
import org.altovirt.memory.GuestMemory;

/**
 * The zero page (struct boot_params, Documentation/arch/x86/zero-page.rst) the kernel finds
 * through RSI: the setup header, the loader's answers in it, and the e820 map.
 */
final class BootParams {
    static final long ADDRESS = 0x7000;
    static final int SIZE = 0x1000;

    static final int E820_ENTRIES = 0x1E8;
    static final int E820_TABLE = 0x2D0;
    static final int E820_ENTRY_SIZE = 20;
    /** E820_MAX_ENTRIES_ZEROPAGE. */
    static final int E820_MAX = 128;

    static final int BOOT_FLAG = BzImage.BOOT_FLAG;
    static final int HEADER = BzImage.HEADER;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21C;
    static final int CMD_LINE_PTR = 0x228;
    /** acpi_rsdp_addr (u64), read by kernels of boot protocol 2.14 and later. */
    static final int ACPI_RSDP_ADDR = 0x070;
    static final int CMDLINE_SIZE = BzImage.CMDLINE_SIZE;

    /** A boot loader without an assigned id. */
    static final int LOADER_UNDEFINED = 0xFF;
    /** The protected-mode kernel was loaded at 1 MiB or above. */
    static final int LOADED_HIGH = 0x01;

    private BootParams() {}

    static void announceAcpi(GuestMemory memory, long rsdp) {
        memory.writeLong(ADDRESS + ACPI_RSDP_ADDR, rsdp);
    }

    /**
     * Writes a fresh zero page. A bzImage's own header is copied in; for ELF and raw kernels,
     * which have none, only the magic numbers the kernel looks for are set. CAN_USE_HEAP and
     * heap_end_ptr are left alone: they are for the real-mode setup code, which the 64-bit entry
     * skips.
     */
    static void write(GuestMemory memory, LoadedKernel kernel, long cmdline, long cmdlineSize,
            long initrd, long initrdSize, List<E820Entry> e820) {
        memory.zero(ADDRESS, SIZE);
        byte[] header = kernel.setupHeader();
        if (header != null) {
            memory.write(ADDRESS + BzImage.SETUP_SECTS, header, 0, header.length);
        } else {
            memory.writeShort(ADDRESS + BOOT_FLAG, BzImage.BOOT_FLAG_MAGIC);
            memory.writeInt(ADDRESS + HEADER, BzImage.HDRS_MAGIC);
        }
        memory.writeByte(ADDRESS + TYPE_OF_LOADER, (byte) LOADER_UNDEFINED);
        memory.writeByte(ADDRESS + LOADFLAGS, (byte) (memory.readByte(ADDRESS + LOADFLAGS) | LOADED_HIGH));
        memory.writeInt(ADDRESS + RAMDISK_IMAGE, (int) initrd);
        memory.writeInt(ADDRESS + RAMDISK_SIZE, (int) initrdSize);
        memory.writeInt(ADDRESS + CMD_LINE_PTR, (int) cmdline);
        memory.writeInt(ADDRESS + CMDLINE_SIZE, (int) cmdlineSize);

        if (e820.size() > E820_MAX) {
            throw new IllegalArgumentException("e820 map has " + e820.size() + " entries; boot_params holds " + E820_MAX);
        }
        memory.writeByte(ADDRESS + E820_ENTRIES, (byte) e820.size());
        long at = ADDRESS + E820_TABLE;
        for (E820Entry e : e820) {
            memory.writeLong(at, e.address());
            memory.writeLong(at + 8, e.size());
            memory.writeInt(at + 16, e.type().code());
            at += E820_ENTRY_SIZE;
        }
    }
}
