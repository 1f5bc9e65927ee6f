package org.altovirt.boot;

import org.altovirt.memory.GuestMemory;

/**
 * The tables and register values that put the boot CPU straight into 64-bit mode, as the 64-bit
 * boot protocol wants (docs/facts.md §4): a flat GDT, an empty IDT, and page tables that identity-map
 * the first 1 GiB with 2 MiB pages. The kernel replaces all of them early on.
 */
final class LongMode {
    static final long GDT_ADDRESS = 0x500;
    static final long IDT_ADDRESS = 0x520;
    /** null, null, __BOOT_CS, __BOOT_DS: the selectors boot.rst names (0x10 and 0x18). */
    static final long[] GDT = {0, 0, 0x00AF_9B00_0000_FFFFL, 0x00CF_9300_0000_FFFFL};
    static final int CODE_SELECTOR = 0x10;
    static final int DATA_SELECTOR = 0x18;
    static final int IDT_LIMIT = 7;

    static final long PML4_ADDRESS = 0x9000;
    static final long PDPT_ADDRESS = 0xA000;
    static final long PD_ADDRESS = 0xB000;
    private static final long PAGE = 0x1000;
    private static final long PRESENT_WRITABLE = 0x3;
    /** Present, writable, 2 MiB page (PS). */
    private static final long LARGE_PAGE = 0x83;
    private static final int ENTRIES = 512;

    /** Below the page tables and above boot_params; the kernel sets up its own stack at once. */
    static final long BOOT_STACK = 0x8FF0;
    static final long RFLAGS_RESERVED = 0x2;
    static final long CR0_PE = 1L;
    static final long CR0_ET = 1L << 4;
    static final long CR0_PG = 1L << 31;
    static final long CR4_PAE = 1L << 5;
    static final long EFER_LME = 1L << 8;
    static final long EFER_LMA = 1L << 10;

    private LongMode() {}

    /** Writes the GDT, the empty IDT and the identity-mapping page tables. */
    static void writeTables(GuestMemory memory) {
        for (int i = 0; i < GDT.length; i++) {
            memory.writeLong(GDT_ADDRESS + 8L * i, GDT[i]);
        }
        memory.zero(IDT_ADDRESS, IDT_LIMIT + 1);
        memory.zero(PML4_ADDRESS, 3 * PAGE);
        memory.writeLong(PML4_ADDRESS, PDPT_ADDRESS | PRESENT_WRITABLE);
        memory.writeLong(PDPT_ADDRESS, PD_ADDRESS | PRESENT_WRITABLE);
        for (long i = 0; i < ENTRIES; i++) {
            memory.writeLong(PD_ADDRESS + 8 * i, (i << 21) | LARGE_PAGE);
        }
    }

    /** The boot CPU's state: long mode with paging, RIP at {@code entry}, RSI at boot_params. */
    static BootCpuState cpuState(long entry, long bootParams) {
        return new BootCpuState(
                entry, BOOT_STACK, BOOT_STACK, bootParams, RFLAGS_RESERVED,
                CR0_PE | CR0_ET | CR0_PG, PML4_ADDRESS, CR4_PAE, EFER_LME | EFER_LMA,
                GDT_ADDRESS, GDT.length * 8 - 1, IDT_ADDRESS, IDT_LIMIT,
                segment(CODE_SELECTOR), segment(DATA_SELECTOR));
    }

    /** The segment that {@code selector} loads from the loader's GDT. */
    static BootCpuState.Segment segment(int selector) {
        return decode(selector, GDT[selector >> 3]);
    }

    /**
     * Decodes a code or data segment descriptor (Intel SDM vol. 3, 3.4.5) the way KVM's
     * {@code struct kvm_segment} holds it: base and limit reassembled from their pieces, the
     * limit in bytes (scaled by 4 KiB when G is set, as the CPU's hidden part holds it).
     */
    static BootCpuState.Segment decode(int selector, long d) {
        long base = ((d >>> 16) & 0xFF_FFFFL) | (((d >>> 56) & 0xFF) << 24);
        long rawLimit = (d & 0xFFFF) | (((d >>> 48) & 0xF) << 16);
        int access = (int) (d >>> 40) & 0xFF;
        int flags = (int) (d >>> 52) & 0xF;
        boolean g = (flags & 0x8) != 0;
        return new BootCpuState.Segment(
                selector, base, g ? (rawLimit << 12) | 0xFFF : rawLimit,
                access & 0xF, (access & 0x80) != 0, (access >> 5) & 0x3,
                (flags & 0x4) != 0, (access & 0x10) != 0, (flags & 0x2) != 0, g, (flags & 0x1) != 0);
    }
}
