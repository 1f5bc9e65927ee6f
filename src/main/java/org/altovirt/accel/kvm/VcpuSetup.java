package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.*;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.Cpuid2;
import org.altovirt.accel.kvm.KvmStructs.Dtable;
import org.altovirt.accel.kvm.KvmStructs.Fpu;
import org.altovirt.accel.kvm.KvmStructs.LapicState;
import org.altovirt.accel.kvm.KvmStructs.Msrs;
import org.altovirt.accel.kvm.KvmStructs.Regs;
import org.altovirt.accel.kvm.KvmStructs.Sregs;
import org.altovirt.boot.BootCpuState;
import org.altovirt.sys.Native;

/**
 * The state a new vCPU gets before its first KVM_RUN, as StratoVirt and Firecracker set it up:
 * CPUID, FPU, MSRs and LAPIC on every vCPU; segment, control and general registers from the
 * loader's {@link BootCpuState} on the boot vCPU only. The other vCPUs (APs) keep KVM's reset
 * state: with the in-kernel irqchip KVM creates them in KVM_MP_STATE_UNINITIALIZED (every vCPU
 * but id 0), and they start when the guest sends them INIT and SIPI through its local APIC.
 */
final class VcpuSetup {
    // MSR numbers (Intel SDM vol. 4, chapter 2).
    static final int MSR_IA32_TSC = 0x10;
    static final int MSR_IA32_SYSENTER_CS = 0x174;
    static final int MSR_IA32_SYSENTER_ESP = 0x175;
    static final int MSR_IA32_SYSENTER_EIP = 0x176;
    static final int MSR_IA32_MISC_ENABLE = 0x1A0;
    static final int MSR_MTRR_DEF_TYPE = 0x2FF;
    static final int MSR_STAR = 0xC000_0081;
    static final int MSR_LSTAR = 0xC000_0082;
    static final int MSR_CSTAR = 0xC000_0083;
    static final int MSR_SYSCALL_MASK = 0xC000_0084;
    static final int MSR_KERNEL_GS_BASE = 0xC000_0102;

    /** IA32_MISC_ENABLE bit 0: fast string operations (rep movs/stos), as firmware would enable. */
    static final long MISC_ENABLE_FAST_STRING = 1;
    /** MTRRs enabled (bit 11), write-back (6) as the default memory type. */
    static final long MTRR_DEF_TYPE_ENABLED_WRITE_BACK = (1L << 11) | 6;

    /**
     * The MSRs every vCPU gets. The syscall and sysenter ones and the TSC are zero after reset
     * already; StratoVirt and Firecracker write them anyway so that a vCPU starts the same after
     * a reset. Fast strings as StratoVirt; the MTRR default type as Firecracker, so that a guest
     * that honours MTRRs does not treat its RAM as uncacheable (no firmware sets them up here).
     */
    static final long[][] BOOT_MSRS = {
        {MSR_IA32_SYSENTER_CS, 0}, {MSR_IA32_SYSENTER_ESP, 0}, {MSR_IA32_SYSENTER_EIP, 0},
        {MSR_STAR, 0}, {MSR_LSTAR, 0}, {MSR_CSTAR, 0}, {MSR_SYSCALL_MASK, 0}, {MSR_KERNEL_GS_BASE, 0},
        {MSR_IA32_TSC, 0},
        {MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
        {MSR_MTRR_DEF_TYPE, MTRR_DEF_TYPE_ENABLED_WRITE_BACK},
    };

    // CPUID (Intel SDM vol. 2A, CPUID).
    static final int LEAF_FEATURES = 1;
    static final int LEAF_EXTENDED_TOPOLOGY = 0xB;
    static final int LEAF_EXTENDED_TOPOLOGY_V2 = 0x1F;
    /** Leaf 1 ECX bit 24: the LAPIC timer has TSC-deadline mode. */
    static final int ECX_TSC_DEADLINE = 1 << 24;
    /**
     * Leaf 1 ECX bit 31: a hypervisor is present. KVM leaves it to the VMM; without it a Linux
     * guest never reads KVM's leaves from 0x4000_0000 (which KVM_GET_SUPPORTED_CPUID does list),
     * so it has no kvmclock, must calibrate its TSC against the PIT and says "Booting
     * paravirtualized kernel on bare hardware" (docs/linux-guests.md).
     */
    static final int ECX_HYPERVISOR = 1 << 31;

    // FPU reset values: x87 control word with all exceptions masked; MXCSR likewise.
    static final int FPU_FCW = 0x37F;
    static final int FPU_MXCSR = 0x1F80;

    // Local APIC registers (Intel SDM vol. 3A, 11.5.1): LINT0 and LINT1 entries and delivery modes.
    static final int APIC_LVT_LINT0 = 0x350;
    static final int APIC_LVT_LINT1 = 0x360;
    static final int APIC_LVT_DELIVERY_MODE = 0x700;
    static final int APIC_DELIVERY_NMI = 0x4 << 8;
    static final int APIC_DELIVERY_EXTINT = 0x7 << 8;

    private VcpuSetup() {}

    /** Sets up vCPU {@code index} (fd {@code fd}); {@code boot} is null for an AP. */
    static void apply(Kvm kvm, int fd, int index, BootCpuState boot) throws KvmException {
        setCpuid(fd, index, cpuidFor(kvm.supportedCpuid(), index, kvm.hasTscDeadline()));
        setFpu(fd, index);
        setMsrs(fd, index);
        setLapic(fd, index);
        if (boot != null) {
            setSregs(fd, index, boot);
            setRegs(fd, index, boot);
        }
    }

    /**
     * What KVM supports, with this vCPU's APIC id where CPUID reports it (leaf 1 EBX[31:24], the
     * x2APIC id in EDX of every subleaf of leaves 0xB and 0x1F) and TSC-deadline mode announced
     * when KVM emulates it (KVM_GET_SUPPORTED_CPUID leaves that bit to the VMM: api.rst), and the
     * hypervisor bit set. The rest stays as KVM reports it, KVM's own leaves from 0x4000_0000
     * (signature "KVMKVMKVM", the paravirtual features such as kvmclock) included.
     */
    static List<CpuidEntry> cpuidFor(List<CpuidEntry> supported, int apicId, boolean tscDeadline) {
        List<CpuidEntry> out = new ArrayList<>(supported.size());
        for (CpuidEntry e : supported) {
            if (e.function() == LEAF_FEATURES) {
                e = e.withEbx((e.ebx() & 0x00FF_FFFF) | ((apicId & 0xFF) << 24)).withEcx(e.ecx() | ECX_HYPERVISOR);
                if (tscDeadline) {
                    e = e.withEcx(e.ecx() | ECX_TSC_DEADLINE);
                }
            } else if (e.function() == LEAF_EXTENDED_TOPOLOGY || e.function() == LEAF_EXTENDED_TOPOLOGY_V2) {
                e = e.withEdx(apicId);
            }
            out.add(e);
        }
        return out;
    }

    private static void setCpuid(int fd, int index, List<CpuidEntry> entries) throws KvmException {
        Pointer p = Native.allocate(Cpuid2.HEADER_SIZE + entries.size() * Cpuid2.ENTRY_SIZE);
        p.putInt(Cpuid2.NENT, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            entries.get(i).write(p, i);
        }
        KvmIoctl.call(fd, KVM_SET_CPUID2, p, "KVM_SET_CPUID2 on vCPU " + index);
    }

    private static void setFpu(int fd, int index) throws KvmException {
        Pointer p = Native.allocate(Fpu.SIZE);
        p.putShort(Fpu.FCW, (short) FPU_FCW);
        p.putInt(Fpu.MXCSR, FPU_MXCSR);
        KvmIoctl.call(fd, KVM_SET_FPU, p, "KVM_SET_FPU on vCPU " + index);
    }

    private static void setMsrs(int fd, int index) throws KvmException {
        Pointer p = Native.allocate(Msrs.HEADER_SIZE + BOOT_MSRS.length * Msrs.ENTRY_SIZE);
        p.putInt(Msrs.NMSRS, BOOT_MSRS.length);
        for (int i = 0; i < BOOT_MSRS.length; i++) {
            long at = Msrs.ENTRIES + (long) i * Msrs.ENTRY_SIZE;
            p.putInt(at + Msrs.ENTRY_INDEX, (int) BOOT_MSRS[i][0]);
            p.putLong(at + Msrs.ENTRY_DATA, BOOT_MSRS[i][1]);
        }
        // KVM_SET_MSRS answers how many it set, stopping at the first it refuses.
        int set = KvmIoctl.call(fd, KVM_SET_MSRS, p, "KVM_SET_MSRS on vCPU " + index);
        if (set != BOOT_MSRS.length) {
            throw new KvmException(String.format("KVM_SET_MSRS on vCPU %d: KVM refused MSR 0x%x",
                    index, BOOT_MSRS[set][0]), null, false);
        }
    }

    /**
     * LINT0 delivers the legacy PIC's interrupts (ExtINT) and LINT1 NMIs, as firmware leaves them
     * on a PC; a guest without an MP table or ACPI relies on that (StratoVirt and Firecracker do
     * the same).
     */
    private static void setLapic(int fd, int index) throws KvmException {
        Pointer p = Native.allocate(LapicState.SIZE);
        KvmIoctl.call(fd, KVM_GET_LAPIC, p, "KVM_GET_LAPIC on vCPU " + index);
        int lint0 = p.getInt(APIC_LVT_LINT0);
        p.putInt(APIC_LVT_LINT0, (lint0 & ~APIC_LVT_DELIVERY_MODE) | APIC_DELIVERY_EXTINT);
        int lint1 = p.getInt(APIC_LVT_LINT1);
        p.putInt(APIC_LVT_LINT1, (lint1 & ~APIC_LVT_DELIVERY_MODE) | APIC_DELIVERY_NMI);
        KvmIoctl.call(fd, KVM_SET_LAPIC, p, "KVM_SET_LAPIC on vCPU " + index);
    }

    /** KVM's reset state with the boot state's segments, descriptor tables and control registers. */
    private static void setSregs(int fd, int index, BootCpuState boot) throws KvmException {
        Pointer p = Native.allocate(Sregs.SIZE);
        KvmIoctl.call(fd, KVM_GET_SREGS, p, "KVM_GET_SREGS on vCPU " + index);
        writeSegment(p, Sregs.CS, boot.code());
        for (int at : new int[] {Sregs.DS, Sregs.ES, Sregs.FS, Sregs.GS, Sregs.SS}) {
            writeSegment(p, at, boot.data());
        }
        p.putLong(Sregs.GDT + Dtable.BASE, boot.gdtBase());
        p.putShort(Sregs.GDT + Dtable.LIMIT, (short) boot.gdtLimit());
        p.putLong(Sregs.IDT + Dtable.BASE, boot.idtBase());
        p.putShort(Sregs.IDT + Dtable.LIMIT, (short) boot.idtLimit());
        p.putLong(Sregs.CR0, boot.cr0());
        p.putLong(Sregs.CR3, boot.cr3());
        p.putLong(Sregs.CR4, boot.cr4());
        p.putLong(Sregs.EFER, boot.efer());
        KvmIoctl.call(fd, KVM_SET_SREGS, p, "KVM_SET_SREGS on vCPU " + index);
    }

    private static void writeSegment(Pointer p, int at, BootCpuState.Segment s) {
        p.putLong(at + KvmStructs.Segment.BASE, s.base());
        p.putInt(at + KvmStructs.Segment.LIMIT, (int) s.limit());
        p.putShort(at + KvmStructs.Segment.SELECTOR, (short) s.selector());
        p.putByte(at + KvmStructs.Segment.TYPE, (byte) s.type());
        p.putByte(at + KvmStructs.Segment.PRESENT, flag(s.present()));
        p.putByte(at + KvmStructs.Segment.DPL, (byte) s.dpl());
        p.putByte(at + KvmStructs.Segment.DB, flag(s.db()));
        p.putByte(at + KvmStructs.Segment.S, flag(s.s()));
        p.putByte(at + KvmStructs.Segment.L, flag(s.l()));
        p.putByte(at + KvmStructs.Segment.G, flag(s.g()));
        p.putByte(at + KvmStructs.Segment.AVL, flag(s.avl()));
        p.putByte(at + KvmStructs.Segment.UNUSABLE, (byte) 0);
    }

    private static byte flag(boolean b) {
        return b ? (byte) 1 : (byte) 0;
    }

    /** RIP, RSP, RBP, RSI and RFLAGS from the boot state; every other register zero. */
    private static void setRegs(int fd, int index, BootCpuState boot) throws KvmException {
        Pointer p = Native.allocate(Regs.SIZE);
        p.putLong(Regs.RIP, boot.rip());
        p.putLong(Regs.RSP, boot.rsp());
        p.putLong(Regs.RBP, boot.rbp());
        p.putLong(Regs.RSI, boot.rsi());
        p.putLong(Regs.RFLAGS, boot.rflags());
        KvmIoctl.call(fd, KVM_SET_REGS, p, "KVM_SET_REGS on vCPU " + index);
    }
}
