package org.altovirt.boot;

/**
 * The state the boot CPU starts in, as the 64-bit Linux boot protocol wants it (docs/facts.md §4):
 * long mode with paging on, flat code and data segments from the loader's GDT, RIP at the
 * kernel's 64-bit entry, RSI at boot_params. One value that both accelerators apply (KVM through
 * KVM_SET_SREGS/REGS, the emu to its own registers).
 */
public record BootCpuState(
        long rip, long rsp, long rbp, long rsi, long rflags,
        long cr0, long cr3, long cr4, long efer,
        long gdtBase, int gdtLimit, long idtBase, int idtLimit,
        Segment code, Segment data) {

    /**
     * A segment register as KVM's {@code struct kvm_segment} describes it: the selector and the
     * descriptor's fields, decoded.
     */
    public record Segment(
            int selector, long base, long limit, int type,
            boolean present, int dpl, boolean db, boolean s, boolean l, boolean g, boolean avl) {}
}
