package org.altovirt.accel.emu;

/**
 * System instructions: control and debug registers, MSRs, CPUID, RDTSC, descriptor tables, task
 * and segment registers, RFLAGS loads, HLT/CLI/STI. The emu keeps long mode: a write that would
 * leave it (clearing CR0.PG or CR4.PAE, or EFER.LME under paging) raises #GP, as it does in
 * 64-bit mode on the CPU; loading a CS that is not 64-bit code is not supported.
 */
final class SystemOps {
    /** CR4 bits the emu accepts: VME, PVI, TSD, DE, PSE, PAE, MCE, PGE, PCE, OSFXSR, OSXMMEXCPT. */
    private static final long CR4_ALLOWED = 0x7FF;
    /** RFLAGS bits software may change at CPL 0: CF PF AF ZF SF TF IF DF OF IOPL NT AC ID. */
    private static final long FLAGS_WRITABLE = CpuState.ARITH | CpuState.TF | CpuState.IF | CpuState.DF
            | CpuState.IOPL | CpuState.NT | CpuState.AC | CpuState.ID;

    static final int MSR_TSC = 0x10, MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
            MSR_MISC_ENABLE = 0x1A0, MSR_PAT = 0x277, MSR_EFER = 0xC000_0080, MSR_STAR = 0xC000_0081,
            MSR_LSTAR = 0xC000_0082, MSR_CSTAR = 0xC000_0083, MSR_SFMASK = 0xC000_0084, MSR_FS_BASE = 0xC000_0100,
            MSR_GS_BASE = 0xC000_0101, MSR_KERNEL_GS_BASE = 0xC000_0102, MSR_TSC_AUX = 0xC000_0103;

    private final Executor x;
    private final CpuState s;
    private final Mmu mmu;
    private final int cpuIndex;
    private final int[] cpuid = new int[4];
    private final long tscBase = System.nanoTime();

    SystemOps(Executor x, int cpuIndex) {
        this.x = x;
        this.s = x.s;
        this.mmu = x.mmu;
        this.cpuIndex = cpuIndex;
    }

    private GuestFault gp(int error) {
        return x.fault.raise(GuestFault.GP, error);
    }

    private void requireCpl0() {
        if (s.cpl != 0) {
            throw gp(0);
        }
    }

    void cpuid() {
        Cpuid.query((int) s.r[CpuState.RAX], cpuIndex, cpuid);
        s.r[CpuState.RAX] = cpuid[0] & 0xFFFF_FFFFL;
        s.r[CpuState.RBX] = cpuid[1] & 0xFFFF_FFFFL;
        s.r[CpuState.RCX] = cpuid[2] & 0xFFFF_FFFFL;
        s.r[CpuState.RDX] = cpuid[3] & 0xFFFF_FFFFL;
    }

    /** The time-stamp counter: nanoseconds since this vCPU was made, i.e. a 1 GHz TSC (CPUID leaf 0x15 says so). */
    long tsc() {
        return System.nanoTime() - tscBase + s.tscOffset;
    }

    void rdtsc(boolean withAux) {
        if ((s.cr4 & CpuState.CR4_TSD) != 0 && s.cpl != 0) {
            throw gp(0);
        }
        long t = tsc();
        s.r[CpuState.RAX] = t & 0xFFFF_FFFFL;
        s.r[CpuState.RDX] = t >>> 32;
        if (withAux) {
            s.r[CpuState.RCX] = s.tscAux & 0xFFFF_FFFFL;
        }
    }

    void rdmsr() {
        requireCpl0();
        long v = readMsr((int) s.r[CpuState.RCX]);
        s.r[CpuState.RAX] = v & 0xFFFF_FFFFL;
        s.r[CpuState.RDX] = v >>> 32;
    }

    void wrmsr() {
        requireCpl0();
        long v = (s.r[CpuState.RDX] & 0xFFFF_FFFFL) << 32 | (s.r[CpuState.RAX] & 0xFFFF_FFFFL);
        writeMsr((int) s.r[CpuState.RCX], v);
    }

    long readMsr(int msr) {
        switch (msr) {
            case MSR_TSC: return tsc();
            case MSR_SYSENTER_CS: return s.sysenterCs;
            case MSR_SYSENTER_ESP: return s.sysenterEsp;
            case MSR_SYSENTER_EIP: return s.sysenterEip;
            case MSR_MISC_ENABLE: return s.miscEnable;
            case MSR_PAT: return s.pat;
            case MSR_EFER: return s.efer;
            case MSR_STAR: return s.star;
            case MSR_LSTAR: return s.lstar;
            case MSR_CSTAR: return s.cstar;
            case MSR_SFMASK: return s.sfmask;
            case MSR_FS_BASE: return s.fsBase;
            case MSR_GS_BASE: return s.gsBase;
            case MSR_KERNEL_GS_BASE: return s.kernelGsBase;
            case MSR_TSC_AUX: return s.tscAux;
            default: throw gp(0); // as KVM does for an MSR it does not know
        }
    }

    void writeMsr(int msr, long v) {
        switch (msr) {
            case MSR_TSC: s.tscOffset += v - tsc(); return;
            case MSR_SYSENTER_CS: s.sysenterCs = v; return;
            case MSR_SYSENTER_ESP: s.sysenterEsp = canonical(v); return;
            case MSR_SYSENTER_EIP: s.sysenterEip = canonical(v); return;
            case MSR_MISC_ENABLE: s.miscEnable = v; return;
            case MSR_PAT: s.pat = v; return;
            case MSR_EFER: writeEfer(v); return;
            case MSR_STAR: s.star = v; return;
            case MSR_LSTAR: s.lstar = canonical(v); return;
            case MSR_CSTAR: s.cstar = canonical(v); return;
            case MSR_SFMASK: s.sfmask = v & 0xFFFF_FFFFL; return;
            case MSR_FS_BASE: s.fsBase = canonical(v); return;
            case MSR_GS_BASE: s.gsBase = canonical(v); return;
            case MSR_KERNEL_GS_BASE: s.kernelGsBase = canonical(v); return;
            case MSR_TSC_AUX: s.tscAux = v & 0xFFFF_FFFFL; return;
            default: throw gp(0);
        }
    }

    private long canonical(long v) {
        if (((v << 16) >> 16) != v) {
            throw gp(0);
        }
        return v;
    }

    private void writeEfer(long v) {
        long allowed = CpuState.EFER_SCE | CpuState.EFER_LME | CpuState.EFER_LMA | CpuState.EFER_NXE;
        if ((v & ~allowed) != 0 || ((v ^ s.efer) & CpuState.EFER_LME) != 0) {
            throw gp(0); // reserved bits, or LME changed while paging is on
        }
        long next = (v & ~CpuState.EFER_LMA) | (s.efer & CpuState.EFER_LMA);
        if (next != s.efer) {
            s.efer = next;
            x.flushTranslations();
        }
    }

    void readCr(Insn in) {
        requireCpl0();
        long v;
        switch (in.reg) {
            case 0: v = s.cr0; break;
            case 2: v = s.cr2; break;
            case 3: v = s.cr3; break;
            case 4: v = s.cr4; break;
            case 8: v = s.cr8; break;
            default: throw x.fault.raise(GuestFault.UD);
        }
        s.r[in.rm] = v;
    }

    void writeCr(Insn in) {
        requireCpl0();
        long v = s.r[in.rm];
        switch (in.reg) {
            case 0: {
                if ((v >>> 32) != 0
                        || ((v & CpuState.CR0_PG) != 0 && (v & CpuState.CR0_PE) == 0)
                        || ((v & CpuState.CR0_NW) != 0 && (v & CpuState.CR0_CD) == 0)
                        || ((v & CpuState.CR0_PG) == 0 && s.longMode())) {
                    throw gp(0);
                }
                v |= CpuState.CR0_ET;
                long changed = s.cr0 ^ v;
                s.cr0 = v;
                if ((changed & (CpuState.CR0_PG | CpuState.CR0_WP | CpuState.CR0_PE)) != 0) {
                    x.flushTranslations();
                }
                return;
            }
            case 2: s.cr2 = v; return;
            case 3:
                if ((v >>> Mmu.PHYS_BITS) != 0) {
                    throw gp(0);
                }
                s.cr3 = v;
                x.flushTranslations();
                return;
            case 4:
                if ((v & ~CR4_ALLOWED) != 0 || ((v & CpuState.CR4_PAE) == 0 && s.longMode())) {
                    throw gp(0);
                }
                if (((s.cr4 ^ v) & (CpuState.CR4_PAE | CpuState.CR4_PGE | CpuState.CR4_PSE)) != 0) {
                    x.flushTranslations();
                }
                s.cr4 = v;
                return;
            case 8:
                if ((v & ~15L) != 0) {
                    throw gp(0);
                }
                s.cr8 = v;
                return;
            default:
                throw x.fault.raise(GuestFault.UD);
        }
    }

    private int debugRegister(int n) {
        if (n == 4 || n == 5) {
            if ((s.cr4 & 8) != 0) {
                throw x.fault.raise(GuestFault.UD); // CR4.DE: DR4/DR5 are reserved
            }
            return n + 2;
        }
        if (n > 7) {
            throw x.fault.raise(GuestFault.UD);
        }
        return n;
    }

    void readDr(Insn in) {
        requireCpl0();
        s.r[in.rm] = s.dr[debugRegister(in.reg)];
    }

    /** Debug registers are kept so the guest reads back what it wrote; breakpoints do not fire. */
    void writeDr(Insn in) {
        requireCpl0();
        s.dr[debugRegister(in.reg)] = s.r[in.rm];
    }

    /** SGDT, SIDT, LGDT, LIDT: a 2-byte limit then an 8-byte base. */
    void descriptorTable(Insn in) {
        long a = x.linear(in);
        switch (in.sub) {
            case 0:
                mmu.write(a, 2, s.gdtLimit);
                mmu.write(a + 2, 8, s.gdtBase);
                return;
            case 1:
                mmu.write(a, 2, s.idtLimit);
                mmu.write(a + 2, 8, s.idtBase);
                return;
            default: {
                requireCpl0();
                int limit = (int) mmu.read(a, 2);
                long base = mmu.read(a + 2, 8);
                if (in.sub == 2) {
                    s.gdtLimit = limit;
                    s.gdtBase = base;
                } else {
                    s.idtLimit = limit;
                    s.idtBase = base;
                }
            }
        }
    }

    void invlpg(Insn in) {
        requireCpl0();
        mmu.flushPage(x.linear(in));
        x.code.flushJumps();
    }

    /** The 8-byte descriptor {@code sel} names, from the GDT or LDT; #GP(selector) past the table's limit. */
    long descriptor(int sel) {
        boolean ldt = (sel & 4) != 0;
        long base = ldt ? s.ldtBase : s.gdtBase;
        int limit = ldt ? s.ldtLimit : s.gdtLimit;
        int offset = sel & ~7;
        if (offset + 7 > limit || (ldt && s.ldtSel == 0)) {
            throw gp(sel & ~3);
        }
        return mmu.read(base + offset, 8);
    }

    static long descriptorBase(long d) {
        return ((d >>> 16) & 0xFF_FFFFL) | ((d >>> 56) & 0xFF) << 24;
    }

    static int descriptorLimit(long d) {
        int limit = (int) ((d & 0xFFFF) | ((d >>> 32) & 0xF_0000));
        return (d & (1L << 55)) != 0 ? limit << 12 | 0xFFF : limit;
    }

    /** MOV/POP to DS, ES, FS, GS, SS; FS and GS take the descriptor's base (the MSRs may override it later). */
    void loadSegment(int seg, int sel) {
        if ((sel & ~3) == 0) {
            if (seg == CpuState.SS && s.cpl == 3) {
                throw gp(0);
            }
            s.sel[seg] = sel;
            return;
        }
        long d = descriptor(sel);
        boolean system = (d & (1L << 44)) == 0;
        boolean codeSeg = (d & (1L << 43)) != 0;
        boolean readable = (d & (1L << 41)) != 0;
        if (system || (seg == CpuState.SS ? codeSeg || !readable : codeSeg && !readable)) {
            throw gp(sel & ~3);
        }
        if ((d & (1L << 47)) == 0) {
            throw x.fault.raise(seg == CpuState.SS ? GuestFault.SS : GuestFault.NP, sel & ~3);
        }
        s.sel[seg] = sel;
        if (seg == CpuState.FS) {
            s.fsBase = descriptorBase(d);
        } else if (seg == CpuState.GS) {
            s.gsBase = descriptorBase(d);
        }
    }

    /** Loads CS for a far transfer; {@code fromStack} (IRET, LRET) takes the privilege level from the selector. */
    void loadCs(int sel, boolean fromStack) {
        if ((sel & ~3) == 0) {
            throw gp(0);
        }
        long d = descriptor(sel);
        if ((d & (3L << 43)) != (3L << 43)) {
            throw gp(sel & ~3); // not a code segment
        }
        if ((d & (1L << 47)) == 0) {
            throw x.fault.raise(GuestFault.NP, sel & ~3);
        }
        if ((d & (1L << 53)) == 0) {
            throw new UnsupportedGuestState(String.format(
                    "CS selector 0x%x is not a 64-bit code segment (descriptor 0x%016x): compatibility mode is not emulated", sel, d));
        }
        int cpl = fromStack ? sel & 3 : s.cpl;
        s.sel[CpuState.CS] = (sel & ~3) | cpl;
        if (cpl != s.cpl) {
            s.cpl = cpl;
            x.flushTranslations(); // cached permissions depend on the privilege level
        }
    }

    /** Loads RFLAGS as POPF/IRET may at the current privilege level. */
    void loadFlags(long v, boolean iret) {
        long writable = FLAGS_WRITABLE | (iret ? CpuState.RF : 0);
        if (s.cpl != 0) {
            writable &= ~CpuState.IOPL;
            if (s.cpl > (s.rflags & CpuState.IOPL) >>> 12) {
                writable &= ~CpuState.IF;
            }
        }
        s.setRflags((s.rflags() & ~writable) | (v & writable));
    }

    void popf(Insn in) {
        long sp = s.r[CpuState.RSP];
        long v = mmu.read(sp, in.size);
        if (in.size == 2) {
            v = (s.rflags() & ~0xFFFFL) | v;
        }
        loadFlags(v, false);
        s.r[CpuState.RSP] = sp + in.size;
    }

    void setIf(boolean on) {
        if (s.cpl > (s.rflags & CpuState.IOPL) >>> 12) {
            throw gp(0);
        }
        if (on && (s.rflags & CpuState.IF) == 0) {
            x.interruptShadow = true; // STI: no interrupt before the next instruction (so "sti; hlt" sleeps safely)
        }
        s.rflags = on ? s.rflags | CpuState.IF : s.rflags & ~CpuState.IF;
    }

    void hlt() {
        requireCpl0();
        s.halted = true;
    }

    /** LTR: loads TR from a 16-byte available 64-bit TSS descriptor and marks it busy. */
    void ltr(Insn in) {
        requireCpl0();
        int sel = (int) x.readE(in) & 0xFFFF;
        if ((sel & ~3) == 0 || (sel & 4) != 0) {
            throw gp(sel & ~3);
        }
        long d = descriptor(sel);
        if (((d >>> 40) & 0x1F) != 9) {
            throw gp(sel & ~3);
        }
        if ((d & (1L << 47)) == 0) {
            throw x.fault.raise(GuestFault.NP, sel & ~3);
        }
        long high = mmu.read(s.gdtBase + (sel & ~7) + 8, 8);
        mmu.write(s.gdtBase + (sel & ~7), 8, d | (2L << 40)); // busy
        s.trSel = sel;
        s.trBase = descriptorBase(d) | (high & 0xFFFF_FFFFL) << 32;
        s.trLimit = descriptorLimit(d);
    }

    void lldt(Insn in) {
        requireCpl0();
        int sel = (int) x.readE(in) & 0xFFFF;
        if ((sel & ~3) == 0) {
            s.ldtSel = 0;
            return;
        }
        long d = descriptor(sel & ~4);
        if (((d >>> 40) & 0x1F) != 2) {
            throw gp(sel & ~3);
        }
        long high = mmu.read(s.gdtBase + (sel & ~7) + 8, 8);
        s.ldtSel = sel;
        s.ldtBase = descriptorBase(d) | (high & 0xFFFF_FFFFL) << 32;
        s.ldtLimit = descriptorLimit(d);
    }

    /** LMSW: loads CR0's PE, MP, EM, TS; it cannot clear PE. */
    void lmsw(Insn in) {
        requireCpl0();
        long v = x.readE(in) & 0xF;
        s.cr0 = (s.cr0 & ~0xEL) | v | (s.cr0 & CpuState.CR0_PE);
    }

    void clts() {
        requireCpl0();
        s.cr0 &= ~CpuState.CR0_TS;
    }

    void swapgs() {
        requireCpl0();
        long t = s.gsBase;
        s.gsBase = s.kernelGsBase;
        s.kernelGsBase = t;
    }
}
