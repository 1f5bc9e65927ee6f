package org.altovirt.accel.emu;

/**
 * Delivers exceptions and interrupts through the guest's 64-bit IDT (Intel SDM vol. 3, 6.14): a
 * 16-byte interrupt or trap gate, the stack from the IST or the TSS when one is named or the
 * privilege level drops, a 16-byte aligned frame of SS, RSP, RFLAGS, CS, RIP (and the error code).
 * A fault while delivering combines as the SDM's table 6-5 says: two contributory faults, or a
 * page fault and then a contributory or page fault, make a #DF; a fault while delivering #DF is a
 * triple fault, which ends in a shutdown.
 *
 * <p>External interrupts, when a device model raises them, come through {@link #raise} the same
 * way with {@code software} false and no error code.
 */
final class Interrupts {
    private static final int GATE_INTERRUPT = 0xE;
    private static final int GATE_TRAP = 0xF;
    /** Error-code bits of a fault about an IDT entry: EXT (an external event) and IDT. */
    private static final int ERR_EXT = 1, ERR_IDT = 2;

    private final Executor x;
    private final CpuState s;
    private final Mmu mmu;
    private final GuestFault fault;

    Interrupts(Executor x) {
        this.x = x;
        this.s = x.s;
        this.mmu = x.mmu;
        this.fault = x.fault;
    }

    /**
     * Delivers {@code vector}; returns false on a triple fault.
     *
     * @param returnRip the RIP to save (the faulting instruction for a fault, the next one for a trap)
     * @param faultRip the RIP to save should delivery itself fault (the instruction that started it)
     * @param software INT n / INT3: the gate's DPL is checked, and no EXT bit in error codes
     */
    boolean raise(int vector, boolean hasError, int error, long returnRip, long faultRip, boolean software) {
        int current = vector;
        boolean currentHasError = hasError && GuestFault.pushesErrorCode(vector);
        int currentError = error;
        long rip = returnRip;
        boolean soft = software;
        for (int attempt = 0; attempt < 4; attempt++) {
            try {
                deliver(current, currentHasError, currentError, rip, soft);
                return true;
            } catch (GuestFault second) {
                if (current == GuestFault.DF) {
                    return false;
                }
                int next = second.vector;
                boolean doubleFault = (contributory(current) && contributory(next))
                        || (current == GuestFault.PF && (contributory(next) || next == GuestFault.PF));
                if (doubleFault) {
                    current = GuestFault.DF;
                    currentHasError = true;
                    currentError = 0;
                } else {
                    current = next;
                    currentHasError = second.hasErrorCode;
                    currentError = second.errorCode;
                }
                rip = faultRip;
                soft = false;
            }
        }
        return false;
    }

    private static boolean contributory(int v) {
        return v == GuestFault.DE || (v >= GuestFault.TS && v <= GuestFault.GP);
    }

    private void deliver(int vector, boolean hasError, int error, long rip, boolean software) {
        int ext = software ? 0 : ERR_EXT;
        int idtError = vector * 8 + ERR_IDT + ext;
        if (vector * 16 + 15 > s.idtLimit) {
            throw fault.raise(GuestFault.GP, idtError);
        }
        long gate = s.idtBase + vector * 16L;
        long lo = mmu.read(gate, 8);
        long hi = mmu.read(gate + 8, 8);
        int type = (int) (lo >>> 40) & 0x1F;
        if (type != GATE_INTERRUPT && type != GATE_TRAP) {
            throw fault.raise(GuestFault.GP, idtError);
        }
        if (software && ((lo >>> 45) & 3) < s.cpl) {
            throw fault.raise(GuestFault.GP, idtError);
        }
        if ((lo & (1L << 47)) == 0) {
            throw fault.raise(GuestFault.NP, idtError);
        }
        int selector = (int) (lo >>> 16) & 0xFFFF;
        long target = (lo & 0xFFFF) | ((lo >>> 48) & 0xFFFF) << 16 | (hi & 0xFFFF_FFFFL) << 32;
        int ist = (int) (lo >>> 32) & 7;
        if ((selector & ~3) == 0) {
            throw fault.raise(GuestFault.GP, ext);
        }
        long code = x.system().descriptor(selector);
        if ((code & (3L << 43)) != (3L << 43) || (code & (1L << 53)) == 0) {
            throw fault.raise(GuestFault.GP, (selector & ~3) + ext);
        }
        if ((code & (1L << 47)) == 0) {
            throw fault.raise(GuestFault.NP, (selector & ~3) + ext);
        }
        int newCpl = (int) (code >>> 45) & 3;
        if (newCpl > s.cpl) {
            throw fault.raise(GuestFault.GP, (selector & ~3) + ext);
        }
        long rsp;
        if (ist != 0) {
            rsp = mmu.read(s.trBase + 0x24 + (ist - 1) * 8L, 8);
        } else if (newCpl < s.cpl) {
            rsp = mmu.read(s.trBase + 4 + newCpl * 8L, 8);
        } else {
            rsp = s.r[CpuState.RSP];
        }
        rsp &= ~0xFL;
        long flags = s.rflags();
        mmu.write(rsp - 8, 8, s.sel[CpuState.SS]);
        mmu.write(rsp - 16, 8, s.r[CpuState.RSP]);
        mmu.write(rsp - 24, 8, flags);
        mmu.write(rsp - 32, 8, s.sel[CpuState.CS]);
        mmu.write(rsp - 40, 8, rip);
        rsp -= 40;
        if (hasError) {
            rsp -= 8;
            mmu.write(rsp, 8, error & 0xFFFF_FFFFL);
        }
        if (newCpl != s.cpl) {
            s.sel[CpuState.SS] = newCpl; // a null SS at the new level, as 64-bit mode loads it
            s.cpl = newCpl;
            x.flushTranslations();
        }
        s.sel[CpuState.CS] = (selector & ~3) | newCpl;
        s.r[CpuState.RSP] = rsp;
        s.rip = target;
        long cleared = CpuState.TF | CpuState.NT | CpuState.RF | CpuState.VM | (type == GATE_INTERRUPT ? CpuState.IF : 0);
        s.rflags &= ~cleared;
        s.halted = false;
    }
}
