package org.altovirt.accel.emu;

/**
 * Stack and control transfers that need more than a line: POP (to r/m and segment registers),
 * indirect CALL, RET, LOOPcc, ENTER/LEAVE, IRET and the far transfers (LRET, far JMP/CALL). Each
 * reads everything it needs before it changes any register, so a fault leaves the state as it was.
 */
final class Control {
    private final Executor x;
    private final CpuState s;
    private final Mmu mmu;

    Control(Executor x) {
        this.x = x;
        this.s = x.s;
        this.mmu = x.mmu;
    }

    /** POP r/m: with RSP in the address, the address is computed after RSP has moved, as on the CPU. */
    void pop(Insn in) {
        int size = in.size;
        long sp = s.r[CpuState.RSP];
        long v = mmu.read(sp, size);
        if (!in.mem) {
            s.r[CpuState.RSP] = sp + size;
            s.setReg(in.rm, size, v);
            return;
        }
        s.r[CpuState.RSP] = sp + size;
        try {
            mmu.write(x.linear(in), size, v);
        } catch (GuestFault e) {
            s.r[CpuState.RSP] = sp;
            throw e;
        }
    }

    void popSegment(Insn in) {
        long sp = s.r[CpuState.RSP];
        int sel = (int) mmu.read(sp, in.size) & 0xFFFF;
        x.system().loadSegment(in.sub, sel);
        s.r[CpuState.RSP] = sp + in.size;
    }

    void callIndirect(Insn in) {
        long target = x.readE(in);
        x.push(s.rip, 8);
        s.rip = target;
    }

    void ret(Insn in) {
        long sp = s.r[CpuState.RSP];
        long target = mmu.read(sp, in.size);
        s.r[CpuState.RSP] = sp + in.size + in.imm;
        s.rip = target;
    }

    /** LOOPNE (sub 0), LOOPE (1), LOOP (2): count down RCX (ECX under 67) and branch. */
    void loop(Insn in) {
        long count;
        if (in.addr32) {
            count = (s.r[CpuState.RCX] - 1) & 0xFFFF_FFFFL;
            s.r[CpuState.RCX] = count;
        } else {
            count = --s.r[CpuState.RCX];
        }
        boolean taken = count != 0;
        if (in.sub == 0) {
            taken &= !x.f.cond(Flags.Z);
        } else if (in.sub == 1) {
            taken &= x.f.cond(Flags.Z);
        }
        if (taken) {
            s.rip += in.imm;
        }
    }

    /** ENTER size, level: a frame with {@code level} frame pointers copied from the caller's. */
    void enter(Insn in) {
        int size = in.size;
        int level = (int) in.imm2 & 31;
        long rsp = s.r[CpuState.RSP];
        long rbp = s.r[CpuState.RBP];
        long sp = rsp - size;
        mmu.write(sp, size, rbp);
        long frame = sp;
        for (int i = 1; i < level; i++) {
            rbp -= size;
            sp -= size;
            mmu.write(sp, size, mmu.read(rbp, size));
        }
        if (level > 0) {
            sp -= size;
            mmu.write(sp, size, frame);
        }
        sp -= in.imm;
        mmu.read(sp, 1); // the new stack top must be accessible, or ENTER faults
        s.setReg(CpuState.RBP, size, frame);
        s.r[CpuState.RSP] = sp;
    }

    void leave(Insn in) {
        long rbp = s.r[CpuState.RBP];
        long v = mmu.read(rbp, in.size);
        s.r[CpuState.RSP] = rbp + in.size;
        s.setReg(CpuState.RBP, in.size, v);
    }

    /** IRET in 64-bit mode: pops RIP, CS, RFLAGS, RSP and SS whatever the privilege levels. */
    void iret(Insn in) {
        int size = in.size;
        long sp = s.r[CpuState.RSP];
        long rip = mmu.read(sp, size);
        int cs = (int) mmu.read(sp + size, size) & 0xFFFF;
        long flags = mmu.read(sp + 2L * size, size);
        long rsp = mmu.read(sp + 3L * size, size);
        int ss = (int) mmu.read(sp + 4L * size, size) & 0xFFFF;
        SystemOps sys = x.system();
        sys.loadCs(cs, true);
        if (size < 8) {
            flags = (s.rflags() & ~CpuState.mask(size)) | flags;
        }
        sys.loadFlags(flags, true);
        s.sel[CpuState.SS] = ss;
        s.r[CpuState.RSP] = rsp;
        s.rip = rip;
    }

    /** LRET: pops RIP and CS (and, returning to an outer level, RSP and SS), then releases imm bytes. */
    void farReturn(Insn in) {
        int size = in.size;
        long sp = s.r[CpuState.RSP];
        long rip = mmu.read(sp, size);
        int cs = (int) mmu.read(sp + size, size) & 0xFFFF;
        sp += 2L * size + in.imm;
        boolean outer = (cs & 3) > s.cpl;
        long rsp = outer ? mmu.read(sp, size) : 0;
        int ss = outer ? (int) mmu.read(sp + size, size) & 0xFFFF : 0;
        x.system().loadCs(cs, true);
        if (outer) {
            s.sel[CpuState.SS] = ss;
            s.r[CpuState.RSP] = rsp + in.imm;
        } else {
            s.r[CpuState.RSP] = sp;
        }
        s.rip = rip;
    }

    /** Far JMP/CALL through a memory operand holding offset then selector (m16:16/32/64). */
    void farJump(Insn in, boolean call) {
        int size = in.size;
        long a = x.linear(in);
        long target = mmu.read(a, size);
        int sel = (int) mmu.read(a + size, 2) & 0xFFFF;
        if (call) {
            long sp = s.r[CpuState.RSP];
            mmu.write(sp - size, size, s.sel[CpuState.CS]);
            mmu.write(sp - 2L * size, size, s.rip);
            x.system().loadCs(sel, false);
            s.r[CpuState.RSP] = sp - 2L * size;
        } else {
            x.system().loadCs(sel, false);
        }
        s.rip = target;
    }
}
