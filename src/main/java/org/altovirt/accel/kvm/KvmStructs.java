package org.altovirt.accel.kvm;

/**
 * Byte offsets and sizes of the C structures this package reads and writes in native memory
 * (x86_64, {@code linux/kvm.h} and glibc's {@code signal.h}). One nested class per structure;
 * every constant names its C expression, and {@code KvmAbiTest} has gcc check them all.
 */
final class KvmStructs {
    private KvmStructs() {}

    /** {@code struct kvm_regs}: the general-purpose registers, 18 u64 in this order. */
    static final class Regs {
        private Regs() {}

        @CName("sizeof(struct kvm_regs)") static final int SIZE = 144;
        @CName("offsetof(struct kvm_regs, rax)") static final int RAX = 0;
        @CName("offsetof(struct kvm_regs, rbx)") static final int RBX = 8;
        @CName("offsetof(struct kvm_regs, rcx)") static final int RCX = 16;
        @CName("offsetof(struct kvm_regs, rdx)") static final int RDX = 24;
        @CName("offsetof(struct kvm_regs, rsi)") static final int RSI = 32;
        @CName("offsetof(struct kvm_regs, rdi)") static final int RDI = 40;
        @CName("offsetof(struct kvm_regs, rsp)") static final int RSP = 48;
        @CName("offsetof(struct kvm_regs, rbp)") static final int RBP = 56;
        @CName("offsetof(struct kvm_regs, r8)") static final int R8 = 64;
        @CName("offsetof(struct kvm_regs, r9)") static final int R9 = 72;
        @CName("offsetof(struct kvm_regs, r10)") static final int R10 = 80;
        @CName("offsetof(struct kvm_regs, r11)") static final int R11 = 88;
        @CName("offsetof(struct kvm_regs, r12)") static final int R12 = 96;
        @CName("offsetof(struct kvm_regs, r13)") static final int R13 = 104;
        @CName("offsetof(struct kvm_regs, r14)") static final int R14 = 112;
        @CName("offsetof(struct kvm_regs, r15)") static final int R15 = 120;
        @CName("offsetof(struct kvm_regs, rip)") static final int RIP = 128;
        @CName("offsetof(struct kvm_regs, rflags)") static final int RFLAGS = 136;
    }

    /** {@code struct kvm_segment}: a segment register with its descriptor decoded. */
    static final class Segment {
        private Segment() {}

        @CName("sizeof(struct kvm_segment)") static final int SIZE = 24;
        @CName("offsetof(struct kvm_segment, base)") static final int BASE = 0;
        @CName("offsetof(struct kvm_segment, limit)") static final int LIMIT = 8;
        @CName("offsetof(struct kvm_segment, selector)") static final int SELECTOR = 12;
        @CName("offsetof(struct kvm_segment, type)") static final int TYPE = 14;
        @CName("offsetof(struct kvm_segment, present)") static final int PRESENT = 15;
        @CName("offsetof(struct kvm_segment, dpl)") static final int DPL = 16;
        @CName("offsetof(struct kvm_segment, db)") static final int DB = 17;
        @CName("offsetof(struct kvm_segment, s)") static final int S = 18;
        @CName("offsetof(struct kvm_segment, l)") static final int L = 19;
        @CName("offsetof(struct kvm_segment, g)") static final int G = 20;
        @CName("offsetof(struct kvm_segment, avl)") static final int AVL = 21;
        @CName("offsetof(struct kvm_segment, unusable)") static final int UNUSABLE = 22;
    }

    /** {@code struct kvm_dtable}: the GDT or IDT register. */
    static final class Dtable {
        private Dtable() {}

        @CName("sizeof(struct kvm_dtable)") static final int SIZE = 16;
        @CName("offsetof(struct kvm_dtable, base)") static final int BASE = 0;
        @CName("offsetof(struct kvm_dtable, limit)") static final int LIMIT = 8;
    }

    /** {@code struct kvm_sregs}: segment, descriptor-table and control registers. */
    static final class Sregs {
        private Sregs() {}

        @CName("sizeof(struct kvm_sregs)") static final int SIZE = 312;
        @CName("offsetof(struct kvm_sregs, cs)") static final int CS = 0;
        @CName("offsetof(struct kvm_sregs, ds)") static final int DS = 24;
        @CName("offsetof(struct kvm_sregs, es)") static final int ES = 48;
        @CName("offsetof(struct kvm_sregs, fs)") static final int FS = 72;
        @CName("offsetof(struct kvm_sregs, gs)") static final int GS = 96;
        @CName("offsetof(struct kvm_sregs, ss)") static final int SS = 120;
        @CName("offsetof(struct kvm_sregs, tr)") static final int TR = 144;
        @CName("offsetof(struct kvm_sregs, ldt)") static final int LDT = 168;
        @CName("offsetof(struct kvm_sregs, gdt)") static final int GDT = 192;
        @CName("offsetof(struct kvm_sregs, idt)") static final int IDT = 208;
        @CName("offsetof(struct kvm_sregs, cr0)") static final int CR0 = 224;
        @CName("offsetof(struct kvm_sregs, cr2)") static final int CR2 = 232;
        @CName("offsetof(struct kvm_sregs, cr3)") static final int CR3 = 240;
        @CName("offsetof(struct kvm_sregs, cr4)") static final int CR4 = 248;
        @CName("offsetof(struct kvm_sregs, cr8)") static final int CR8 = 256;
        @CName("offsetof(struct kvm_sregs, efer)") static final int EFER = 264;
        @CName("offsetof(struct kvm_sregs, apic_base)") static final int APIC_BASE = 272;
    }

    /** {@code struct kvm_fpu}: the x87/SSE state, of which the boot setup sets FCW and MXCSR. */
    static final class Fpu {
        private Fpu() {}

        @CName("sizeof(struct kvm_fpu)") static final int SIZE = 416;
        @CName("offsetof(struct kvm_fpu, fcw)") static final int FCW = 128;
        @CName("offsetof(struct kvm_fpu, mxcsr)") static final int MXCSR = 408;
    }

    /** {@code struct kvm_msrs}, a header followed by {@code struct kvm_msr_entry} entries. */
    static final class Msrs {
        private Msrs() {}

        @CName("sizeof(struct kvm_msrs)") static final int HEADER_SIZE = 8;
        @CName("offsetof(struct kvm_msrs, nmsrs)") static final int NMSRS = 0;
        @CName("offsetof(struct kvm_msrs, entries)") static final int ENTRIES = 8;
        @CName("sizeof(struct kvm_msr_entry)") static final int ENTRY_SIZE = 16;
        @CName("offsetof(struct kvm_msr_entry, index)") static final int ENTRY_INDEX = 0;
        @CName("offsetof(struct kvm_msr_entry, data)") static final int ENTRY_DATA = 8;
    }

    /** {@code struct kvm_cpuid2}, a header followed by {@code struct kvm_cpuid_entry2} entries. */
    static final class Cpuid2 {
        private Cpuid2() {}

        @CName("sizeof(struct kvm_cpuid2)") static final int HEADER_SIZE = 8;
        @CName("offsetof(struct kvm_cpuid2, nent)") static final int NENT = 0;
        @CName("offsetof(struct kvm_cpuid2, entries)") static final int ENTRIES = 8;
        @CName("sizeof(struct kvm_cpuid_entry2)") static final int ENTRY_SIZE = 40;
        @CName("offsetof(struct kvm_cpuid_entry2, function)") static final int ENTRY_FUNCTION = 0;
        @CName("offsetof(struct kvm_cpuid_entry2, index)") static final int ENTRY_INDEX = 4;
        @CName("offsetof(struct kvm_cpuid_entry2, flags)") static final int ENTRY_FLAGS = 8;
        @CName("offsetof(struct kvm_cpuid_entry2, eax)") static final int ENTRY_EAX = 12;
        @CName("offsetof(struct kvm_cpuid_entry2, ebx)") static final int ENTRY_EBX = 16;
        @CName("offsetof(struct kvm_cpuid_entry2, ecx)") static final int ENTRY_ECX = 20;
        @CName("offsetof(struct kvm_cpuid_entry2, edx)") static final int ENTRY_EDX = 24;
    }

    /** {@code struct kvm_userspace_memory_region}: one memory slot. */
    static final class MemoryRegion {
        private MemoryRegion() {}

        @CName("sizeof(struct kvm_userspace_memory_region)") static final int SIZE = 32;
        @CName("offsetof(struct kvm_userspace_memory_region, slot)") static final int SLOT = 0;
        @CName("offsetof(struct kvm_userspace_memory_region, flags)") static final int FLAGS = 4;
        @CName("offsetof(struct kvm_userspace_memory_region, guest_phys_addr)") static final int GUEST_PHYS_ADDR = 8;
        @CName("offsetof(struct kvm_userspace_memory_region, memory_size)") static final int MEMORY_SIZE = 16;
        @CName("offsetof(struct kvm_userspace_memory_region, userspace_addr)") static final int USERSPACE_ADDR = 24;
    }

    /** {@code struct kvm_irq_level}: an interrupt line raised or lowered (KVM_IRQ_LINE). */
    static final class IrqLevel {
        private IrqLevel() {}

        @CName("sizeof(struct kvm_irq_level)") static final int SIZE = 8;
        @CName("offsetof(struct kvm_irq_level, irq)") static final int IRQ = 0;
        @CName("offsetof(struct kvm_irq_level, level)") static final int LEVEL = 4;
    }

    /** {@code struct kvm_irqfd}: an eventfd bound to a GSI. */
    static final class Irqfd {
        private Irqfd() {}

        @CName("sizeof(struct kvm_irqfd)") static final int SIZE = 32;
        @CName("offsetof(struct kvm_irqfd, fd)") static final int FD = 0;
        @CName("offsetof(struct kvm_irqfd, gsi)") static final int GSI = 4;
        @CName("offsetof(struct kvm_irqfd, flags)") static final int FLAGS = 8;
        @CName("offsetof(struct kvm_irqfd, resamplefd)") static final int RESAMPLEFD = 12;
    }

    /** {@code struct kvm_pit_config}: flags and padding (KVM_CREATE_PIT2). */
    static final class PitConfig {
        private PitConfig() {}

        @CName("sizeof(struct kvm_pit_config)") static final int SIZE = 64;
        @CName("offsetof(struct kvm_pit_config, flags)") static final int FLAGS = 0;
    }

    /** {@code struct kvm_lapic_state}: the local APIC's 1 KiB register page (KVM_GET/SET_LAPIC). */
    static final class LapicState {
        private LapicState() {}

        @CName("sizeof(struct kvm_lapic_state)") static final int SIZE = 1024;
    }

    /** {@code struct kvm_irqchip}: one in-kernel interrupt controller's state (KVM_GET/SET_IRQCHIP). */
    static final class Irqchip {
        private Irqchip() {}

        @CName("sizeof(struct kvm_irqchip)") static final int SIZE = 520;
        @CName("offsetof(struct kvm_irqchip, chip_id)") static final int CHIP_ID = 0;
    }

    /** {@code struct kvm_pit_state2}: the in-kernel PIT's channels and flags (KVM_GET/SET_PIT2). */
    static final class PitState2 {
        private PitState2() {}

        @CName("sizeof(struct kvm_pit_state2)") static final int SIZE = 112;
    }

    /** {@code struct kvm_clock_data}: kvmclock's value (KVM_GET/SET_CLOCK). */
    static final class ClockData {
        private ClockData() {}

        @CName("sizeof(struct kvm_clock_data)") static final int SIZE = 48;
        @CName("offsetof(struct kvm_clock_data, flags)") static final int FLAGS = 8;
    }

    /** {@code struct kvm_xsave}: the XSAVE area (x87, SSE, AVX...), 4 KiB (KVM_GET/SET_XSAVE). */
    static final class Xsave {
        private Xsave() {}

        @CName("sizeof(struct kvm_xsave)") static final int SIZE = 4096;
    }

    /** {@code struct kvm_xcrs}: XCR0 and friends (KVM_GET/SET_XCRS). */
    static final class Xcrs {
        private Xcrs() {}

        @CName("sizeof(struct kvm_xcrs)") static final int SIZE = 392;
    }

    /** {@code struct kvm_vcpu_events}: pending exceptions, interrupts, NMIs (KVM_GET/SET_VCPU_EVENTS). */
    static final class VcpuEvents {
        private VcpuEvents() {}

        @CName("sizeof(struct kvm_vcpu_events)") static final int SIZE = 64;
    }

    /** {@code struct kvm_mp_state}: one u32. */
    static final class MpState {
        private MpState() {}

        @CName("sizeof(struct kvm_mp_state)") static final int SIZE = 4;
    }

    /** {@code struct kvm_run}: the page shared with KVM, mapped from the vCPU fd. */
    static final class Run {
        private Run() {}

        @CName("offsetof(struct kvm_run, immediate_exit)") static final int IMMEDIATE_EXIT = 1;
        @CName("offsetof(struct kvm_run, exit_reason)") static final int EXIT_REASON = 8;
        // The io member of the exit union (KVM_EXIT_IO).
        @CName("offsetof(struct kvm_run, io.direction)") static final int IO_DIRECTION = 32;
        @CName("offsetof(struct kvm_run, io.size)") static final int IO_SIZE = 33;
        @CName("offsetof(struct kvm_run, io.port)") static final int IO_PORT = 34;
        @CName("offsetof(struct kvm_run, io.count)") static final int IO_COUNT = 36;
        @CName("offsetof(struct kvm_run, io.data_offset)") static final int IO_DATA_OFFSET = 40;
        // The mmio member (KVM_EXIT_MMIO).
        @CName("offsetof(struct kvm_run, mmio.phys_addr)") static final int MMIO_PHYS_ADDR = 32;
        @CName("offsetof(struct kvm_run, mmio.data)") static final int MMIO_DATA = 40;
        @CName("offsetof(struct kvm_run, mmio.len)") static final int MMIO_LEN = 48;
        @CName("offsetof(struct kvm_run, mmio.is_write)") static final int MMIO_IS_WRITE = 52;
        // The fail_entry member (KVM_EXIT_FAIL_ENTRY).
        @CName("offsetof(struct kvm_run, fail_entry.hardware_entry_failure_reason)") static final int FAIL_ENTRY_REASON = 32;
        @CName("offsetof(struct kvm_run, fail_entry.cpu)") static final int FAIL_ENTRY_CPU = 40;
        // The internal member (KVM_EXIT_INTERNAL_ERROR).
        @CName("offsetof(struct kvm_run, internal.suberror)") static final int INTERNAL_SUBERROR = 32;
        @CName("offsetof(struct kvm_run, internal.ndata)") static final int INTERNAL_NDATA = 36;
        @CName("offsetof(struct kvm_run, internal.data)") static final int INTERNAL_DATA = 40;
        @CName("sizeof(((struct kvm_run *)0)->internal.data) / 8") static final int INTERNAL_DATA_MAX = 16;
        // The system_event member (KVM_EXIT_SYSTEM_EVENT).
        @CName("offsetof(struct kvm_run, system_event.type)") static final int SYSTEM_EVENT_TYPE = 32;
    }

    /**
     * glibc's {@code struct sigaction} on x86_64, for installing the kick signal's handler (docs/facts.md
     * §5). Not a KVM structure, but this package's only other native layout.
     */
    static final class Sigaction {
        private Sigaction() {}

        @CName("sizeof(struct sigaction)") static final int SIZE = 152;
        @CName("offsetof(struct sigaction, sa_handler)") static final int HANDLER = 0;
        @CName("offsetof(struct sigaction, sa_mask)") static final int MASK = 8;
        @CName("offsetof(struct sigaction, sa_flags)") static final int FLAGS = 136;
        @CName("SA_RESTART") static final int SA_RESTART = 0x10000000;
    }
}
