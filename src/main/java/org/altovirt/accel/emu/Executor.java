package org.altovirt.accel.emu;

import org.altovirt.bus.Bus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs decoded blocks ({@link #runLoop}): dispatch on {@link Insn#op}, the operand helpers every
 * operation group shares (effective address, r/m read and write, push and pop), and fault
 * delivery when an instruction raises a {@link GuestFault}.
 *
 * <p>While an instruction runs, {@code s.rip} already holds the address of the next one (what
 * RIP-relative operands, CALL and traps want); a fault rolls it back to the instruction's start.
 */
final class Executor {
    private static final Logger LOG = LoggerFactory.getLogger(Executor.class);
    final CpuState s;
    final Flags f;
    final Mmu mmu;
    final CodeCache code;
    final GuestFault fault;
    final Interrupts interrupts;
    private final Arith arith;
    private final Bits bits;
    private final Control control;
    private final StringOps strings;
    private final SystemOps system;

    /** Instructions completed; written by the vCPU thread only (others see a recent value). */
    long retired;
    /** Set when the guest stopped the machine (triple fault); the run loop reports it. */
    String shutdown;
    /** Index in its region of the instruction compiled code faulted on (set by the compiled code). */
    int faultIndex;
    /** Instructions the compiled code completed before the faulting instruction's block. */
    long faultRetired;
    /** Set by compiled code that stopped after a store into cached code. */
    boolean leftEarly;

    /** The block compiler, or null when blocks are only interpreted. */
    final BlockCompiler jit;
    /** Entries into a block before it is compiled. */
    final int jitThreshold;

    Executor(CpuState s, Mmu mmu, CodeCache code, GuestFault fault, Bus pio, int cpuIndex, int jitThreshold) {
        this.s = s;
        this.jit = jitThreshold > 0 ? new BlockCompiler() : null;
        this.jitThreshold = jitThreshold;
        this.f = s.flags;
        this.mmu = mmu;
        this.code = code;
        this.fault = fault;
        this.interrupts = new Interrupts(this);
        this.arith = new Arith(this);
        this.bits = new Bits(this);
        this.control = new Control(this);
        this.strings = new StringOps(this, pio);
        this.system = new SystemOps(this, cpuIndex);
    }

    /** Set by {@link EmuVcpu#kick} from any thread; the loop checks it between blocks. */
    volatile boolean kicked;
    /** Set when the local APIC may have an interrupt to deliver; the loop looks between blocks. */
    volatile boolean irqPending;
    /**
     * Set by an STI that enabled interrupts: none is taken at the next block boundary, so at
     * least the instruction after STI runs first (the architecture's interrupt shadow; a block
     * boundary later than that only delays the interrupt).
     */
    boolean interruptShadow;
    /** This vCPU's local APIC (null in tests that build an Executor without one). */
    LocalApic apic;

    /**
     * Runs blocks from RIP until a kick, a HLT or a shutdown. Blocks seen to follow one another
     * are linked, so a loop turn costs a few field loads, not a lookup. A block entered {@link
     * #jitThreshold} times is compiled to JVM bytecode ({@link BlockCompiler}) and runs that way
     * from then on; the others are interpreted an instruction at a time ({@link #step}).
     */
    void runLoop(Translator t) {
        CpuState s = this.s;
        long[] r = s.r;
        Block prev = null;
        while (!kicked) {
            if (interruptShadow) {
                interruptShadow = false;
            } else if (irqPending && (s.rflags & CpuState.IF) != 0) {
                if (takeInterrupt()) {
                    prev = null;
                    if (shutdown != null) {
                        return;
                    }
                }
            }
            long rip = s.rip;
            Block b = null;
            if (prev != null && prev.linkGeneration == code.generation) {
                b = prev.linkRip0 == rip ? prev.link0 : prev.linkRip1 == rip ? prev.link1 : null;
                if (b != null && !b.valid) {
                    b = null;
                }
            }
            if (b == null) {
                try {
                    b = t.next(prev, rip);
                } catch (GuestFault g) {
                    prev = null;
                    deliver(g, rip);
                    if (shutdown != null) {
                        return;
                    }
                    continue;
                }
            }
            prev = null;
            Insn[] insns = b.insns;
            code.invalidated = false;
            CompiledBlock c = b.compiled;
            if (c == null && jit != null && b.cached && ++b.hits == jitThreshold) {
                c = compile(b);
            }
            if (c != null) {
                long done;
                leftEarly = false;
                try {
                    done = c.run(this, s, r, rip);
                } catch (GuestFault g) {
                    int i = faultIndex;
                    Insn in = c.insn(i);
                    retired += faultRetired + c.position(i);
                    deliver(g, rip + c.delta(i) + in.next - in.len);
                    if (shutdown != null) {
                        return;
                    }
                    continue;
                }
                retired += done;
                if (s.halted || shutdown != null) {
                    return;
                }
                if (!leftEarly) {
                    prev = b;
                }
                continue;
            }
            int n = insns.length;
            int i = 0;
            try {
                for (; i < n; i++) {
                    Insn in = insns[i];
                    if (in.needsRip) {
                        s.rip = rip + in.next;
                    }
                    if (step(in) && code.invalidated && i + 1 < n) {
                        break; // the guest wrote to cached code: the rest of this block may be stale
                    }
                }
            } catch (GuestFault g) {
                retired += i;
                Insn in = insns[i];
                deliver(g, rip + in.next - in.len);
                if (shutdown != null) {
                    return;
                }
                continue;
            }
            if (i < n) {
                s.rip = rip + insns[i].next;
                retired += i + 1;
                continue;
            }
            retired += b.count;
            if (b.fusedCc >= 0 && f.cond(b.fusedCc)) {
                s.rip += b.fusedRel;
            }
            if (s.halted || shutdown != null) {
                return;
            }
            prev = b;
        }
    }

    /**
     * Delivers the highest-priority interrupt the APIC has, between instructions with IF set;
     * false (and the hint cleared) when there is none it may deliver now.
     */
    private boolean takeInterrupt() {
        int vector = apic == null ? -1 : apic.acknowledge();
        if (vector < 0) {
            irqPending = false;
            return false;
        }
        s.halted = false;
        if (!interrupts.raise(vector, false, 0, s.rip, s.rip, false)) {
            shutdown = "guest-reset";
        }
        return true;
    }

    /** Compiles a hot block; a block the compiler fails on stays interpreted (and is reported once). */
    private CompiledBlock compile(Block b) {
        try {
            b.compiled = jit.compile(b, code::get);
            return b.compiled;
        } catch (RuntimeException | LinkageError e) {
            if (jit.failedCount() == 1) {
                LOG.warn("emu: could not compile the block at guest-physical 0x{}; it stays interpreted: {}",
                        Long.toHexString(b.phys), e.toString());
            }
            return null;
        }
    }

    /**
     * Runs one instruction, {@code s.rip} already at the next one when the instruction needs it;
     * returns whether it may have stored to memory. The 32 commonest operations are dispatched
     * through trees of conditional branches (the first 16 right here): an indirect jump per
     * instruction (what a {@code tableswitch} compiles to) costs several times more on the hosts
     * measured. The rest go through {@link #exec}. Compiled blocks call it for what they do not
     * compile inline.
     */
    boolean step(Insn in) {
        long[] r = s.r;
        int op = in.op;
        if (op < 16) { // the commonest operations: a tree of predictable branches, no indirect jump
            if (op < 8) {
                if (op < 4) {
                    if (op < 2) {
                        arith.alu64(in, op == Op.ALU64_RR ? r[in.reg] : in.imm);
                    } else {
                        arith.alu32(in, (op == Op.ALU32_RR ? r[in.reg] : in.imm) & 0xFFFF_FFFFL);
                    }
                } else if (op < 6) {
                    if (op == Op.MOV_RR) {
                        r[in.rm] = in.size == 8 ? r[in.reg] : r[in.reg] & 0xFFFF_FFFFL;
                    } else {
                        r[in.rm] = in.imm;
                    }
                } else if (op == Op.LOAD) {
                    r[in.reg] = mmu.read(ea(in), in.size);
                } else {
                    mmu.write(ea(in), in.size, r[in.reg]);
                    return true;
                }
            } else if (op < 12) {
                if (op < 10) {
                    if (op == Op.JCC) {
                        if (f.cond(in.sub)) {
                            s.rip += in.imm;
                        }
                    } else {
                        r[in.reg] = ea(in);
                    }
                } else if (op == Op.TEST_RR) {
                    f.logic(in.size, (r[in.rm] & r[in.reg]) & CpuState.mask(in.size));
                } else {
                    arith.incDecRegister(in, 1);
                }
            } else if (op < 14) {
                if (op == Op.DEC_R) {
                    arith.incDecRegister(in, -1);
                } else {
                    s.rip += in.imm;
                }
            } else if (op == Op.CALL) {
                push(s.rip, 8);
                s.rip += in.imm;
                return true;
            } else {
                control.ret(in);
            }
            return false;
        }
        if (op < 32) {
            return secondTier(in, op);
        }
        exec(in);
        return true; // may have stored (or changed anything)
    }

    /** Operations 16..31, the next commonest: a second tree of branches; returns whether it may have stored. */
    private boolean secondTier(Insn in, int op) {
        if (op < 24) {
            if (op < 20) {
                if (op < 18) {
                    if (op == Op.SHIFT_I) {
                        bits.shift(in, (int) in.imm);
                        return in.mem;
                    }
                    s.setReg(in.reg, in.size, ea(in));
                    return false;
                }
                if (op == Op.IMUL_GE) {
                    arith.imul(in, s.reg(in.reg, in.size), readE(in));
                } else {
                    arith.imul(in, readE(in), in.imm);
                }
                return false;
            }
            if (op < 22) {
                if (op == Op.NEG) {
                    arith.neg(in);
                    return in.mem;
                }
                push(readE(in), in.size);
                return true;
            }
            if (op == Op.POP) {
                control.pop(in);
                return in.mem;
            }
            s.setReg(in.reg, in.size, readE(in, in.sub));
            return false;
        }
        if (op < 28) {
            if (op < 26) {
                if (op == Op.MOVSX) {
                    s.setReg(in.reg, in.size, CpuState.sext(readE(in, in.sub), in.sub));
                    return false;
                }
                writeE(in, s.reg(in.reg, in.size));
                return in.mem;
            }
            if (op == Op.MOV_GE) {
                s.setReg(in.reg, in.size, readE(in));
                return false;
            }
            arith.cmov(in);
            return false;
        }
        if (op < 30) {
            if (op == Op.SETCC) {
                writeE(in, f.cond(in.sub) ? 1 : 0);
                return in.mem;
            }
            arith.aluEG(in);
            return in.mem;
        }
        if (op == Op.ALU_EI) {
            arith.aluEI(in);
            return in.mem;
        }
        arith.aluGE(in);
        return false;
    }

    /** Delivers a fault raised by the instruction at {@code at}; a triple fault sets {@link #shutdown}. */
    private void deliver(GuestFault g, long at) {
        s.rip = at;
        if (!interrupts.raise(g.vector, g.hasErrorCode, g.errorCode, at, at, false)) {
            shutdown = "guest-reset";
        }
    }

    private void exec(Insn in) {
        switch (in.op) {
            case Op.TEST_EG: f.logic(in.size, readE(in) & s.reg(in.reg, in.size)); return;
            case Op.TEST_EI: f.logic(in.size, readE(in) & in.imm & CpuState.mask(in.size)); return;
            case Op.INC: arith.incDec(in, 1); return;
            case Op.DEC: arith.incDec(in, -1); return;
            case Op.NOT: arith.not(in); return;
            case Op.MUL: arith.mul(in); return;
            case Op.IMUL1: arith.imul1(in); return;
            case Op.DIV: arith.div(in); return;
            case Op.IDIV: arith.idiv(in); return;
            case Op.SHIFT_CL: bits.shift(in, (int) s.r[CpuState.RCX]); return;
            case Op.SHD_I: bits.doubleShift(in, (int) in.imm); return;
            case Op.SHD_CL: bits.doubleShift(in, (int) s.r[CpuState.RCX]); return;
            case Op.MOV_EI: writeE(in, in.imm); return;
            case Op.XCHG: arith.xchg(in); return;
            case Op.CMPXCHG: arith.cmpxchg(in); return;
            case Op.XADD: arith.xadd(in); return;
            case Op.CMPXCHG16: arith.cmpxchgDouble(in); return;
            case Op.CONV_A: arith.convertA(in.size); return;
            case Op.CONV_D: arith.convertD(in.size); return;
            case Op.PUSH_I: push(in.imm, in.size); return;
            case Op.PUSHF: push(s.rflags() & ~(CpuState.RF | CpuState.VM), in.size); return;
            case Op.POPF: system.popf(in); return;
            case Op.SAHF: f.update(CpuState.SF | CpuState.ZF | CpuState.AF | CpuState.PF | CpuState.CF, s.r[CpuState.RAX] >>> 8); return;
            case Op.LAHF: s.setReg(CpuState.AH, 1, (s.rflags() & 0xD5) | 2); return;
            case Op.JMP_E: s.rip = readE(in); return;
            case Op.CALL_E: control.callIndirect(in); return;
            case Op.LOOP: control.loop(in); return;
            case Op.JRCXZ: if ((in.addr32 ? s.r[CpuState.RCX] & 0xFFFF_FFFFL : s.r[CpuState.RCX]) == 0) s.rip += in.imm; return;
            case Op.ENTER: control.enter(in); return;
            case Op.LEAVE: control.leave(in); return;
            case Op.INT3: softwareInterrupt(in, GuestFault.BP); return;
            case Op.INTN: softwareInterrupt(in, (int) in.imm); return;
            case Op.IRET: control.iret(in); return;
            case Op.LRET: control.farReturn(in); return;
            case Op.JMPF: control.farJump(in, false); return;
            case Op.CALLF: control.farJump(in, true); return;
            case Op.MOVS: strings.movs(in); return;
            case Op.CMPS: strings.cmps(in); return;
            case Op.STOS: strings.stos(in); return;
            case Op.LODS: strings.lods(in); return;
            case Op.SCAS: strings.scas(in); return;
            case Op.INS: strings.ins(in); return;
            case Op.OUTS: strings.outs(in); return;
            case Op.IN_I: strings.in(in, (int) in.imm); return;
            case Op.IN_DX: strings.in(in, (int) s.r[CpuState.RDX] & 0xFFFF); return;
            case Op.OUT_I: strings.out(in, (int) in.imm); return;
            case Op.OUT_DX: strings.out(in, (int) s.r[CpuState.RDX] & 0xFFFF); return;
            case Op.HLT: system.hlt(); return;
            case Op.CMC: f.update(CpuState.CF, f.cf() ? 0 : CpuState.CF); return;
            case Op.CLC: f.update(CpuState.CF, 0); return;
            case Op.STC: f.update(CpuState.CF, CpuState.CF); return;
            case Op.CLI: system.setIf(false); return;
            case Op.STI: system.setIf(true); return;
            case Op.CLD: s.rflags &= ~CpuState.DF; return;
            case Op.STD: s.rflags |= CpuState.DF; return;
            case Op.BT_EG: bits.bitTest(in, s.reg(in.reg, in.size), true); return;
            case Op.BT_EI: bits.bitTest(in, in.imm, false); return;
            case Op.BSF: bits.bitScan(in, true); return;
            case Op.BSR: bits.bitScan(in, false); return;
            case Op.POPCNT: bits.popcnt(in); return;
            case Op.BSWAP: bits.bswap(in); return;
            case Op.XLAT: s.setReg(CpuState.RAX, 1, mmu.read(segment(in, addr(in, s.r[CpuState.RBX] + (s.r[CpuState.RAX] & 0xFF))), 1)); return;
            case Op.CPUID: system.cpuid(); return;
            case Op.RDTSC: system.rdtsc(false); return;
            case Op.RDTSCP: system.rdtsc(true); return;
            case Op.RDMSR: system.rdmsr(); return;
            case Op.WRMSR: system.wrmsr(); return;
            case Op.MOV_FROM_CR: system.readCr(in); return;
            case Op.MOV_TO_CR: system.writeCr(in); return;
            case Op.MOV_FROM_DR: system.readDr(in); return;
            case Op.MOV_TO_DR: system.writeDr(in); return;
            case Op.DESC_TABLE: system.descriptorTable(in); return;
            case Op.INVLPG: system.invlpg(in); return;
            case Op.LTR: system.ltr(in); return;
            case Op.STR: writeE(in, s.trSel); return;
            case Op.LLDT: system.lldt(in); return;
            case Op.SLDT: writeE(in, s.ldtSel); return;
            case Op.SMSW: writeE(in, s.cr0); return;
            case Op.LMSW: system.lmsw(in); return;
            case Op.CLTS: system.clts(); return;
            case Op.SWAPGS: system.swapgs(); return;
            case Op.MOV_SREG_E: system.loadSegment(in.reg, (int) readE(in)); return;
            case Op.MOV_E_SREG: writeE(in, s.sel[in.reg]); return;
            case Op.PUSH_SREG: push(s.sel[in.sub], in.size); return;
            case Op.POP_SREG: control.popSegment(in); return;
            case Op.NOP: return;
            case Op.GP: throw fault.raise(GuestFault.GP, 0);
            default: throw fault.raise(GuestFault.UD);
        }
    }

    SystemOps system() {
        return system;
    }

    /** Drops cached translations: the TLB and the virtual-address lookups of blocks. */
    void flushTranslations() {
        mmu.flush();
        code.flushJumps();
    }

    private void softwareInterrupt(Insn in, int vector) {
        long next = s.rip;
        if (!interrupts.raise(vector, false, 0, next, next - in.len, true)) {
            shutdown = "guest-reset";
        }
    }

    // ---- operands ----

    /** The effective address of the memory operand, without the segment base (what LEA loads). */
    long ea(Insn in) {
        long a = in.disp;
        if (in.base >= 0) {
            a += s.r[in.base];
        } else if (in.ripRel) {
            a += s.rip;
        }
        if (in.index >= 0) {
            a += s.r[in.index] << in.scale;
        }
        return in.addr32 ? a & 0xFFFF_FFFFL : a;
    }

    /** The linear address of the memory operand. */
    long linear(Insn in) {
        return segment(in, ea(in));
    }

    long segment(Insn in, long ea) {
        int seg = in.seg;
        return seg == 0 ? ea : ea + (seg == CpuState.FS ? s.fsBase : s.gsBase);
    }

    /** An offset truncated to the address size (string operations, XLAT). */
    static long addr(Insn in, long a) {
        return in.addr32 ? a & 0xFFFF_FFFFL : a;
    }

    long readE(Insn in) {
        return in.mem ? mmu.read(linear(in), in.size) : s.reg(in.rm, in.size);
    }

    long readE(Insn in, int size) {
        return in.mem ? mmu.read(linear(in), size) : s.reg(in.rm, size);
    }

    void writeE(Insn in, long v) {
        if (in.mem) {
            mmu.write(linear(in), in.size, v);
        } else {
            s.setReg(in.rm, in.size, v);
        }
    }

    void push(long v, int size) {
        long sp = s.r[CpuState.RSP] - size;
        mmu.write(sp, size, v);
        s.r[CpuState.RSP] = sp;
    }

    long pop(int size) {
        long sp = s.r[CpuState.RSP];
        long v = mmu.read(sp, size);
        s.r[CpuState.RSP] = sp + size;
        return v;
    }
}
