package org.altovirt.boot;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.memory.GuestMemory;

/**
 * Loads an uncompressed x86-64 vmlinux (ELF64, ET_EXEC): each PT_LOAD segment goes to its
 * physical address (p_paddr) and the part of it past the file's bytes (bss) is zeroed.
 *
 * <p>The entry point: Linux links vmlinux with {@code ENTRY(phys_startup_64)}, so e_entry is
 * already the physical address of startup_64 (rust-vmm's linux-loader uses it as is, too). Other
 * ELF kernels may give a virtual entry; the rule here covers both: if e_entry lies inside a
 * segment's physical range it is used as is, else if it lies inside a segment's virtual range it
 * is translated through that segment ({@code p_paddr + (e_entry - p_vaddr)}), else the image is
 * refused.
 */
final class ElfKernel {
    static final int EI_CLASS = 4;
    static final int EI_DATA = 5;
    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int E_TYPE = 0x10;
    static final int E_MACHINE = 0x12;
    static final int E_ENTRY = 0x18;
    static final int E_PHOFF = 0x20;
    static final int E_PHENTSIZE = 0x36;
    static final int E_PHNUM = 0x38;
    static final int EHDR_SIZE = 0x40;
    static final int ET_EXEC = 2;
    static final int EM_X86_64 = 62;

    static final int PHDR_SIZE = 56;
    static final int P_TYPE = 0;
    static final int P_OFFSET = 0x08;
    static final int P_VADDR = 0x10;
    static final int P_PADDR = 0x18;
    static final int P_FILESZ = 0x20;
    static final int P_MEMSZ = 0x28;
    static final int PT_LOAD = 1;

    /** "\x7fELF", little-endian. */
    static final int ELF_MAGIC = 0x464C_457F;
    /** vmlinux has about five program headers; far more means a corrupt or hostile header. */
    private static final int MAX_PHNUM = 256;
    /** The x86 kernel's COMMAND_LINE_SIZE (2048) less the NUL; ELF images carry no cmdline_size. */
    static final long CMDLINE_SIZE = 2047;
    /** boot.rst's advice for kernels without initrd_addr_max. */
    static final long INITRD_ADDR_MAX = 0x37FF_FFFF;

    private record Segment(int index, long offset, long vaddr, long paddr, long filesz, long memsz) {}

    private ElfKernel() {}

    static LoadedKernel load(ImageFile file, ByteBuffer head, GuestMemory memory) throws BootException {
        file.requireWithin(0, EHDR_SIZE, "the ELF header");
        if (head.get(EI_CLASS) != ELFCLASS64) {
            throw file.error("not a 64-bit ELF (ELF class " + head.get(EI_CLASS)
                    + "); an x86-64 vmlinux is needed");
        }
        if (head.get(EI_DATA) != ELFDATA2LSB) {
            throw file.error("not a little-endian ELF; an x86-64 vmlinux is needed");
        }
        int machine = Short.toUnsignedInt(head.getShort(E_MACHINE));
        if (machine != EM_X86_64) {
            throw file.error("ELF machine " + machine + " is not x86-64 (" + EM_X86_64 + ")");
        }
        int type = Short.toUnsignedInt(head.getShort(E_TYPE));
        if (type != ET_EXEC) {
            throw file.error("ELF type " + type + " is not an executable (ET_EXEC " + ET_EXEC + ")");
        }
        List<Segment> segments = loadSegments(file, head);
        if (segments.isEmpty()) {
            throw file.error("ELF has no PT_LOAD segment: nothing to load");
        }
        long start = Long.MAX_VALUE;
        long end = 0;
        for (Segment s : segments) {
            LoadedKernel.requirePlacement(memory, file, "ELF segment " + s.index(), s.paddr(), s.memsz());
            start = Math.min(start, s.paddr());
            end = Math.max(end, s.paddr() + s.memsz());
        }
        long entry = entry(file, head.getLong(E_ENTRY), segments);
        for (Segment s : segments) {
            file.copyTo(memory, s.paddr(), s.offset(), s.filesz(), "ELF segment " + s.index());
            memory.zero(s.paddr() + s.filesz(), s.memsz() - s.filesz());
        }
        return new LoadedKernel(BootImage.Format.ELF, start, end, entry, null, INITRD_ADDR_MAX, CMDLINE_SIZE);
    }

    private static List<Segment> loadSegments(ImageFile file, ByteBuffer head) throws BootException {
        long phoff = head.getLong(E_PHOFF);
        int phentsize = Short.toUnsignedInt(head.getShort(E_PHENTSIZE));
        int phnum = Short.toUnsignedInt(head.getShort(E_PHNUM));
        if (phnum > MAX_PHNUM) {
            throw file.error("ELF has " + phnum + " program headers; at most " + MAX_PHNUM + " are accepted");
        }
        if (phnum > 0 && phentsize != PHDR_SIZE) {
            throw file.error("ELF program header size is " + phentsize + ", not " + PHDR_SIZE);
        }
        ByteBuffer table = file.read(phoff, phnum * PHDR_SIZE, "the ELF program headers");
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int at = i * PHDR_SIZE;
            if (table.getInt(at + P_TYPE) != PT_LOAD) {
                continue;
            }
            Segment s = new Segment(i, table.getLong(at + P_OFFSET), table.getLong(at + P_VADDR),
                    table.getLong(at + P_PADDR), table.getLong(at + P_FILESZ), table.getLong(at + P_MEMSZ));
            if (Long.compareUnsigned(s.filesz(), s.memsz()) > 0) {
                throw file.error(String.format("ELF segment %d has more file bytes (0x%x) than memory (0x%x)",
                        i, s.filesz(), s.memsz()));
            }
            file.requireWithin(s.offset(), s.filesz(), "ELF segment " + i);
            out.add(s);
        }
        return out;
    }

    private static long entry(ImageFile file, long eEntry, List<Segment> segments) throws BootException {
        for (Segment s : segments) {
            if (inside(eEntry, s.paddr(), s.memsz())) {
                return eEntry;
            }
        }
        for (Segment s : segments) {
            if (inside(eEntry, s.vaddr(), s.memsz())) {
                return s.paddr() + (eEntry - s.vaddr());
            }
        }
        throw file.error(String.format("ELF entry point 0x%x is in none of its PT_LOAD segments", eEntry));
    }

    /** Whether {@code x} is in {@code [base, base+size)}, all three taken as unsigned. */
    private static boolean inside(long x, long base, long size) {
        return Long.compareUnsigned(x, base) >= 0 && Long.compareUnsigned(x - base, size) < 0;
    }
}
