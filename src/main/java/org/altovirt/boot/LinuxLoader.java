package org.altovirt.boot;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.memory.GuestMemory;

/**
 * Loads a Linux kernel for the x86-64 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * docs/facts.md §4) and returns the state the boot vCPU starts in. It understands a bzImage (vmlinuz),
 * an ELF64 vmlinux and a flat vmlinux.bin, told apart by their magic numbers; an initrd goes near
 * the top of low RAM.
 *
 * <p>Guest-physical layout below 1 MiB: GDT 0x500, IDT 0x520, boot_params 0x7000, boot stack
 * below 0x9000, page tables 0x9000-0xBFFF, command line from 0x20000, and the reserved area from
 * 0x9FC00 (EBDA/BIOS, where {@link MpTable} goes).
 */
public final class LinuxLoader {
    /** Where the kernel command line is written. */
    public static final long CMDLINE_ADDRESS = 0x2_0000;
    /** Where boot_params (the zero page) is written; RSI points here. */
    public static final long BOOT_PARAMS_ADDRESS = BootParams.ADDRESS;
    /** The start of the e820-reserved area below 1 MiB (the last KiB of base memory onwards). */
    public static final long RESERVED_START = 0x9_FC00;
    /** The end of the reserved area, where RAM resumes. */
    public static final long RESERVED_END = 0x10_0000;

    private static final long PAGE = 0x1000;
    /** The command line may run up to the reserved area, less its NUL. */
    private static final long CMDLINE_ROOM = RESERVED_START - CMDLINE_ADDRESS - 1;
    private static final int ELF_MAGIC_END = 4;
    private static final int HDRS_END = BzImage.HEADER + 4;

    private LinuxLoader() {}

    /**
     * Loads {@code kernel} (and {@code initrd}, if not null) into {@code memory} and writes the
     * command line, boot_params, e820 map, GDT, IDT and page tables.
     *
     * @param cmdline the user's kernel command line (may be empty)
     * @param extraParams parameters appended to it, space-separated, e.g. one
     *     {@code virtio_mmio.device=512@0xf0100000:5} per virtio-mmio transport
     * @throws BootException naming the file and the problem when the kernel or initrd cannot be
     *     read or booted, or the command line is too long for the kernel
     */
    public static BootImage load(GuestMemory memory, Path kernel, Path initrd, String cmdline,
            List<String> extraParams) throws BootException {
        if (!memory.contains(0, RESERVED_END)) {
            throw new BootException("guest RAM " + memory + " must cover the first MiB to boot Linux");
        }
        String line = commandLine(cmdline, extraParams);
        LoadedKernel k;
        try (ImageFile file = ImageFile.open(kernel)) {
            k = loadKernel(file, memory);
        }
        byte[] lineBytes = line.getBytes(StandardCharsets.UTF_8);
        long limit = Math.min(k.cmdlineSize(), CMDLINE_ROOM);
        if (lineBytes.length > limit) {
            throw new BootException(String.format("kernel command line is %d bytes; %s takes at most %d",
                    lineBytes.length, kernel, limit));
        }

        long initrdAddress = 0;
        long initrdSize = 0;
        if (initrd != null) {
            try (ImageFile file = ImageFile.open(initrd)) {
                initrdAddress = placeInitrd(file, memory, k);
                initrdSize = file.size();
                file.copyTo(memory, initrdAddress, 0, initrdSize, "the initrd");
            }
        }

        memory.zero(CMDLINE_ADDRESS, lineBytes.length + 1L);
        memory.write(CMDLINE_ADDRESS, lineBytes, 0, lineBytes.length);
        List<E820Entry> e820 = e820(memory);
        BootParams.write(memory, k, CMDLINE_ADDRESS, limit, initrdAddress, initrdSize, e820);
        LongMode.writeTables(memory);
        return new BootImage(LongMode.cpuState(k.entry(), BOOT_PARAMS_ADDRESS), k.format(), k.start(), k.end(),
                initrdAddress, initrdSize, line, e820);
    }

    /**
     * Tells the kernel where the ACPI RSDP is (boot_params.acpi_rsdp_addr, boot protocol 2.14),
     * after {@link #load}; older kernels find it by scanning the BIOS area.
     */
    public static void announceAcpi(GuestMemory memory, long rsdp) {
        BootParams.announceAcpi(memory, rsdp);
    }

    private static LoadedKernel loadKernel(ImageFile file, GuestMemory memory) throws BootException {
        ByteBuffer head = file.read(0, (int) Math.min(file.size(), BzImage.HEADER_AREA_END), "the header");
        if (head.limit() >= ELF_MAGIC_END && head.getInt(0) == ElfKernel.ELF_MAGIC) {
            return ElfKernel.load(file, head, memory);
        }
        if (head.limit() >= HDRS_END && head.getInt(BzImage.HEADER) == BzImage.HDRS_MAGIC) {
            return BzImage.load(file, head, memory);
        }
        if (head.limit() >= HDRS_END && head.getShort(BzImage.BOOT_FLAG) == BzImage.BOOT_FLAG_MAGIC) {
            // A boot sector without "HdrS": a zImage or a kernel from before boot protocol 2.00.
            throw file.error("has a boot sector (0xAA55 at 0x1FE) but no \"HdrS\" setup header at 0x202;"
                    + " boot protocol 2.12 or later is needed");
        }
        return RawKernel.load(file, memory);
    }

    /** The user's line and the extra parameters, space-separated; no NUL may hide a part of it. */
    static String commandLine(String cmdline, List<String> extraParams) throws BootException {
        List<String> parts = new ArrayList<>();
        if (!cmdline.isBlank()) {
            parts.add(cmdline.strip());
        }
        parts.addAll(extraParams);
        String line = String.join(" ", parts);
        int nul = line.indexOf('\0');
        if (nul >= 0) {
            throw new BootException("kernel command line contains a NUL character at position " + nul);
        }
        return line;
    }

    /**
     * Page-aligned, as high as the kernel allows (initrd_addr_max) and low RAM reaches, and above
     * all the memory the kernel needs while booting.
     */
    private static long placeInitrd(ImageFile file, GuestMemory memory, LoadedKernel k) throws BootException {
        long size = file.size();
        if (size == 0) {
            throw file.error("initrd is empty");
        }
        long top = Math.min(k.initrdAddrMax() + 1, lowRamEnd(memory));
        long floor = (k.end() + PAGE - 1) & -PAGE;
        long address = (top - size) & -PAGE;
        if (size > top || address < floor) {
            throw file.error(String.format("initrd of %d bytes does not fit in guest RAM: it must lie between"
                    + " the kernel's end 0x%x and 0x%x, which leaves %d bytes", size, floor, top,
                    Math.max(0, top - floor)));
        }
        return address;
    }

    private static long lowRamEnd(GuestMemory memory) {
        for (GuestMemory.Region r : memory.regions()) {
            if (r.guestAddress() == 0) {
                return r.guestAddress() + r.size();
            }
        }
        throw new IllegalStateException("guest RAM " + memory + " has no range at 0");
    }

    /**
     * The e820 map: base memory up to the last KiB below 640 KiB, the reserved area up to 1 MiB,
     * then every RAM range as it is ({@link GuestMemory#regions()}, laid out by MemoryLayout).
     */
    static List<E820Entry> e820(GuestMemory memory) {
        List<E820Entry> out = new ArrayList<>();
        out.add(new E820Entry(0, RESERVED_START, E820Entry.Type.RAM));
        out.add(new E820Entry(RESERVED_START, RESERVED_END - RESERVED_START, E820Entry.Type.RESERVED));
        for (GuestMemory.Region r : memory.regions()) {
            long start = Math.max(r.guestAddress(), RESERVED_END);
            long end = r.guestAddress() + r.size();
            if (end > start) {
                out.add(new E820Entry(start, end - start, E820Entry.Type.RAM));
            }
        }
        return out;
    }
}
