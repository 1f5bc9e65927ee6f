package org.altovirt.accel.kvm;

/**
 * The numbers of the KVM API this package uses (x86_64), named as in the kernel's uapi header
 * {@code linux/kvm.h}; {@code KvmAbiTest} checks every one against that header with gcc.
 * Struct layouts are in {@link KvmStructs}.
 */
final class KvmAbi {
    private KvmAbi() {}

    /** The only API version there has ever been (docs/virt/kvm/api.rst, KVM_GET_API_VERSION). */
    static final int KVM_API_VERSION = 12;

    // System ioctls, on the /dev/kvm fd.
    static final long KVM_GET_API_VERSION = 0xAE00L;
    static final long KVM_CREATE_VM = 0xAE01L;
    static final long KVM_CHECK_EXTENSION = 0xAE03L;
    static final long KVM_GET_VCPU_MMAP_SIZE = 0xAE04L;
    static final long KVM_GET_SUPPORTED_CPUID = 0xC008AE05L;

    // VM ioctls.
    static final long KVM_CREATE_VCPU = 0xAE41L;
    static final long KVM_SET_USER_MEMORY_REGION = 0x4020AE46L;
    static final long KVM_SET_TSS_ADDR = 0xAE47L;
    static final long KVM_CREATE_IRQCHIP = 0xAE60L;
    static final long KVM_IRQ_LINE = 0x4008AE61L;
    static final long KVM_IRQFD = 0x4020AE76L;
    static final long KVM_CREATE_PIT2 = 0x4040AE77L;
    static final long KVM_GET_IRQCHIP = 0xC208AE62L;
    static final long KVM_SET_IRQCHIP = 0x8208AE63L;
    static final long KVM_GET_CLOCK = 0x8030AE7CL;
    static final long KVM_SET_CLOCK = 0x4030AE7BL;
    static final long KVM_GET_PIT2 = 0x8070AE9FL;
    static final long KVM_SET_PIT2 = 0x4070AEA0L;

    // vCPU ioctls.
    static final long KVM_RUN = 0xAE80L;
    static final long KVM_GET_REGS = 0x8090AE81L;
    static final long KVM_SET_REGS = 0x4090AE82L;
    static final long KVM_GET_SREGS = 0x8138AE83L;
    static final long KVM_SET_SREGS = 0x4138AE84L;
    static final long KVM_GET_MSRS = 0xC008AE88L;
    static final long KVM_SET_MSRS = 0x4008AE89L;
    static final long KVM_GET_FPU = 0x81A0AE8CL;
    static final long KVM_SET_FPU = 0x41A0AE8DL;
    static final long KVM_GET_LAPIC = 0x8400AE8EL;
    static final long KVM_SET_LAPIC = 0x4400AE8FL;
    static final long KVM_SET_CPUID2 = 0x4008AE90L;
    static final long KVM_GET_CPUID2 = 0xC008AE91L;
    static final long KVM_GET_MP_STATE = 0x8004AE98L;
    static final long KVM_SET_MP_STATE = 0x4004AE99L;
    static final long KVM_GET_XSAVE = 0x9000AEA4L;
    static final long KVM_SET_XSAVE = 0x5000AEA5L;
    static final long KVM_GET_XCRS = 0x8188AEA6L;
    static final long KVM_SET_XCRS = 0x4188AEA7L;
    static final long KVM_GET_VCPU_EVENTS = 0x8040AE9FL;
    static final long KVM_SET_VCPU_EVENTS = 0x4040AEA0L;

    // struct kvm_irqchip.chip_id.
    static final int KVM_IRQCHIP_PIC_MASTER = 0;
    static final int KVM_IRQCHIP_PIC_SLAVE = 1;
    static final int KVM_IRQCHIP_IOAPIC = 2;

    // Capabilities (KVM_CHECK_EXTENSION). KVM_CAP_IRQCHIP really is 0.
    static final int KVM_CAP_IRQCHIP = 0;
    static final int KVM_CAP_USER_MEMORY = 3;
    static final int KVM_CAP_SET_TSS_ADDR = 4;
    static final int KVM_CAP_EXT_CPUID = 7;
    static final int KVM_CAP_MP_STATE = 14;
    static final int KVM_CAP_IRQFD = 32;
    static final int KVM_CAP_PIT2 = 33;
    static final int KVM_CAP_TSC_DEADLINE_TIMER = 72;
    static final int KVM_CAP_IMMEDIATE_EXIT = 136;

    // kvm_run.exit_reason.
    static final int KVM_EXIT_UNKNOWN = 0;
    static final int KVM_EXIT_EXCEPTION = 1;
    static final int KVM_EXIT_IO = 2;
    static final int KVM_EXIT_HYPERCALL = 3;
    static final int KVM_EXIT_DEBUG = 4;
    static final int KVM_EXIT_HLT = 5;
    static final int KVM_EXIT_MMIO = 6;
    static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    static final int KVM_EXIT_SHUTDOWN = 8;
    static final int KVM_EXIT_FAIL_ENTRY = 9;
    static final int KVM_EXIT_INTR = 10;
    static final int KVM_EXIT_INTERNAL_ERROR = 17;
    static final int KVM_EXIT_SYSTEM_EVENT = 24;

    // kvm_run.io.direction.
    static final int KVM_EXIT_IO_IN = 0;
    static final int KVM_EXIT_IO_OUT = 1;

    // kvm_run.system_event.type.
    static final int KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    static final int KVM_SYSTEM_EVENT_RESET = 2;
    static final int KVM_SYSTEM_EVENT_CRASH = 3;

    // kvm_run.internal.suberror.
    static final int KVM_INTERNAL_ERROR_EMULATION = 1;

    // kvm_mp_state.mp_state.
    static final int KVM_MP_STATE_RUNNABLE = 0;
    static final int KVM_MP_STATE_UNINITIALIZED = 1;
    static final int KVM_MP_STATE_INIT_RECEIVED = 2;
    static final int KVM_MP_STATE_HALTED = 3;
    static final int KVM_MP_STATE_SIPI_RECEIVED = 4;

    // kvm_cpuid_entry2.flags.
    static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    /** The name of an exit reason, for log lines. */
    static String exitName(int reason) {
        return switch (reason) {
            case KVM_EXIT_UNKNOWN -> "KVM_EXIT_UNKNOWN";
            case KVM_EXIT_EXCEPTION -> "KVM_EXIT_EXCEPTION";
            case KVM_EXIT_IO -> "KVM_EXIT_IO";
            case KVM_EXIT_HYPERCALL -> "KVM_EXIT_HYPERCALL";
            case KVM_EXIT_DEBUG -> "KVM_EXIT_DEBUG";
            case KVM_EXIT_HLT -> "KVM_EXIT_HLT";
            case KVM_EXIT_MMIO -> "KVM_EXIT_MMIO";
            case KVM_EXIT_IRQ_WINDOW_OPEN -> "KVM_EXIT_IRQ_WINDOW_OPEN";
            case KVM_EXIT_SHUTDOWN -> "KVM_EXIT_SHUTDOWN";
            case KVM_EXIT_FAIL_ENTRY -> "KVM_EXIT_FAIL_ENTRY";
            case KVM_EXIT_INTR -> "KVM_EXIT_INTR";
            case KVM_EXIT_INTERNAL_ERROR -> "KVM_EXIT_INTERNAL_ERROR";
            case KVM_EXIT_SYSTEM_EVENT -> "KVM_EXIT_SYSTEM_EVENT";
            default -> "exit reason " + reason;
        };
    }
}
