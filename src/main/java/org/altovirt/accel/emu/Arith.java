package org.altovirt.accel.emu;

/**
 * Integer arithmetic: the eight ALU operations, INC/DEC/NOT/NEG, MUL/IMUL/DIV/IDIV (with #DE),
 * XCHG, CMPXCHG, XADD, CMPXCHG8B/16B, CMOVcc and the sign conversions. Memory results are stored
 * before the flags are recorded, so an instruction whose store faults leaves the flags untouched.
 */
final class Arith {
    static final int ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;

    private final Executor x;
    private final CpuState s;
    private final Flags f;
    private final Mmu mmu;

    Arith(Executor x) {
        this.x = x;
        this.s = x.s;
        this.f = x.f;
        this.mmu = x.mmu;
    }

    void aluEG(Insn in) {
        rmw(in, s.reg(in.reg, in.size));
    }

    void aluEI(Insn in) {
        rmw(in, in.imm & CpuState.mask(in.size));
    }

    void aluGE(Insn in) {
        int size = in.size;
        int op = in.sub;
        long src = x.readE(in);
        long dst = s.reg(in.reg, size);
        long carry = (op == ADC || op == SBB) && f.cf() ? 1 : 0;
        long r = compute(op, size, dst, src, carry);
        if (op != CMP) {
            s.setReg(in.reg, size, r);
        }
        record(op, size, dst, src, r, carry);
    }

    /** ALU on a 64-bit register destination ({@code rm}); ADC/SBB take the general path. */
    void alu64(Insn in, long src) {
        long[] r = s.r;
        int d = in.rm;
        long a = r[d];
        switch (in.sub) {
            case ADD: {
                long res = a + src;
                r[d] = res;
                f.record(Flags.ADD, 8, a, src, res);
                return;
            }
            case SUB: {
                long res = a - src;
                r[d] = res;
                f.record(Flags.SUB, 8, a, src, res);
                return;
            }
            case CMP:
                f.record(Flags.SUB, 8, a, src, a - src);
                return;
            case AND: {
                long res = a & src;
                r[d] = res;
                f.logic(8, res);
                return;
            }
            case OR: {
                long res = a | src;
                r[d] = res;
                f.logic(8, res);
                return;
            }
            case XOR: {
                long res = a ^ src;
                r[d] = res;
                f.logic(8, res);
                return;
            }
            default:
                rmw(in, src);
        }
    }

    /** ALU on a 32-bit register destination: the result is zero-extended; {@code src} is already 32 bits. */
    void alu32(Insn in, long src) {
        long[] r = s.r;
        int d = in.rm;
        long a = r[d] & 0xFFFF_FFFFL;
        switch (in.sub) {
            case ADD: {
                long res = (a + src) & 0xFFFF_FFFFL;
                r[d] = res;
                f.record(Flags.ADD, 4, a, src, res);
                return;
            }
            case SUB: {
                long res = (a - src) & 0xFFFF_FFFFL;
                r[d] = res;
                f.record(Flags.SUB, 4, a, src, res);
                return;
            }
            case CMP:
                f.record(Flags.SUB, 4, a, src, (a - src) & 0xFFFF_FFFFL);
                return;
            case AND: {
                long res = a & src;
                r[d] = res;
                f.logic(4, res);
                return;
            }
            case OR: {
                long res = a | src;
                r[d] = res;
                f.logic(4, res);
                return;
            }
            case XOR: {
                long res = a ^ src;
                r[d] = res;
                f.logic(4, res);
                return;
            }
            default:
                rmw(in, src);
        }
    }

    void incDecRegister(Insn in, int delta) {
        int size = in.size;
        long cf = f.cf() ? 1 : 0;
        long d = s.r[in.rm] & CpuState.mask(size);
        long r = (d + delta) & CpuState.mask(size);
        s.r[in.rm] = r; // 32 or 64 bits: a 32-bit result clears the upper half
        f.record(delta > 0 ? Flags.INC : Flags.DEC, size, d, 1, r, cf);
    }

    private void rmw(Insn in, long src) {
        int size = in.size;
        int op = in.sub;
        long carry = (op == ADC || op == SBB) && f.cf() ? 1 : 0;
        long dst;
        long r;
        if (in.mem) {
            long a = x.linear(in);
            dst = mmu.read(a, size);
            r = compute(op, size, dst, src, carry);
            if (op != CMP) {
                mmu.write(a, size, r);
            }
        } else {
            dst = s.reg(in.rm, size);
            r = compute(op, size, dst, src, carry);
            if (op != CMP) {
                s.setReg(in.rm, size, r);
            }
        }
        record(op, size, dst, src, r, carry);
    }

    private static long compute(int op, int size, long d, long src, long carry) {
        long r;
        switch (op) {
            case ADD: r = d + src; break;
            case OR: r = d | src; break;
            case ADC: r = d + src + carry; break;
            case SBB: r = d - src - carry; break;
            case AND: r = d & src; break;
            case XOR: r = d ^ src; break;
            default: r = d - src; // SUB, CMP
        }
        return r & CpuState.mask(size);
    }

    private void record(int op, int size, long d, long src, long r, long carry) {
        switch (op) {
            case ADD: f.record(Flags.ADD, size, d, src, r); break;
            case ADC: f.record(Flags.ADC, size, d, src, r, carry); break;
            case SBB: f.record(Flags.SBB, size, d, src, r, carry); break;
            case SUB:
            case CMP: f.record(Flags.SUB, size, d, src, r); break;
            default: f.logic(size, r);
        }
    }

    void incDec(Insn in, int delta) {
        int size = in.size;
        long cf = f.cf() ? 1 : 0;
        long d;
        long r;
        if (in.mem) {
            long a = x.linear(in);
            d = mmu.read(a, size);
            r = (d + delta) & CpuState.mask(size);
            mmu.write(a, size, r);
        } else {
            d = s.reg(in.rm, size);
            r = (d + delta) & CpuState.mask(size);
            s.setReg(in.rm, size, r);
        }
        f.record(delta > 0 ? Flags.INC : Flags.DEC, size, d, 1, r, cf);
    }

    void not(Insn in) {
        if (in.mem) {
            long a = x.linear(in);
            mmu.write(a, in.size, ~mmu.read(a, in.size));
        } else {
            s.setReg(in.rm, in.size, ~s.reg(in.rm, in.size));
        }
    }

    void neg(Insn in) {
        int size = in.size;
        long d;
        long r;
        if (in.mem) {
            long a = x.linear(in);
            d = mmu.read(a, size);
            r = -d & CpuState.mask(size);
            mmu.write(a, size, r);
        } else {
            d = s.reg(in.rm, size);
            r = -d & CpuState.mask(size);
            s.setReg(in.rm, size, r);
        }
        f.record(Flags.SUB, size, 0, d, r);
    }

    /** MUL: AX = AL * src, DX:AX = AX * src, ...; CF = OF = whether the high half is non-zero. */
    void mul(Insn in) {
        int size = in.size;
        long src = x.readE(in);
        long a = s.reg(CpuState.RAX, size);
        long lo;
        long hi;
        if (size == 8) {
            lo = a * src;
            hi = Math.multiplyHigh(a, src) + ((a >> 63) & src) + ((src >> 63) & a);
        } else {
            long p = a * src;
            int bits = size * 8;
            lo = p & CpuState.mask(size);
            hi = p >>> bits;
        }
        storeWide(size, lo, hi);
        f.record(Flags.MUL, size, 0, 0, lo, hi != 0 ? 1 : 0);
    }

    /** One-operand IMUL; CF = OF = whether the high half is more than the low half's sign. */
    void imul1(Insn in) {
        int size = in.size;
        long src = CpuState.sext(x.readE(in), size);
        long a = CpuState.sext(s.reg(CpuState.RAX, size), size);
        long lo;
        long hi;
        boolean overflow;
        if (size == 8) {
            lo = a * src;
            hi = Math.multiplyHigh(a, src);
            overflow = hi != (lo >> 63);
        } else {
            long p = a * src;
            int bits = size * 8;
            lo = p & CpuState.mask(size);
            hi = (p >> bits) & CpuState.mask(size);
            overflow = CpuState.sext(p, size) != p;
        }
        storeWide(size, lo, hi);
        f.record(Flags.MUL, size, 0, 0, lo & CpuState.mask(size), overflow ? 1 : 0);
    }

    private void storeWide(int size, long lo, long hi) {
        if (size == 1) {
            s.setReg(CpuState.RAX, 2, lo | hi << 8);
        } else {
            s.setReg(CpuState.RAX, size, lo);
            s.setReg(CpuState.RDX, size, hi);
        }
    }

    /** Two- and three-operand IMUL: reg = a * b truncated; CF = OF = whether it was truncated. */
    void imul(Insn in, long a, long b) {
        int size = in.size;
        long sa = CpuState.sext(a, size);
        long sb = CpuState.sext(b, size);
        long p = sa * sb;
        boolean overflow = size == 8 ? Math.multiplyHigh(sa, sb) != (p >> 63) : CpuState.sext(p, size) != p;
        long r = p & CpuState.mask(size);
        s.setReg(in.reg, size, r);
        f.record(Flags.MUL, size, 0, 0, r, overflow ? 1 : 0);
    }

    /** Unsigned divide of DX:AX-style dividends; #DE on a zero divisor or a quotient too wide. Flags are undefined and left alone. */
    void div(Insn in) {
        int size = in.size;
        long d = x.readE(in);
        if (d == 0) {
            throw x.fault.raise(GuestFault.DE);
        }
        long q;
        long r;
        if (size == 8) {
            long hi = s.r[CpuState.RDX];
            long lo = s.r[CpuState.RAX];
            if (Long.compareUnsigned(hi, d) >= 0) {
                throw x.fault.raise(GuestFault.DE);
            }
            if (hi == 0) {
                q = Long.divideUnsigned(lo, d);
                r = Long.remainderUnsigned(lo, d);
            } else {
                long[] qr = divide128(hi, lo, d);
                q = qr[0];
                r = qr[1];
            }
        } else {
            long n = dividend(size, false);
            q = Long.divideUnsigned(n, d);
            r = Long.remainderUnsigned(n, d);
            if (Long.compareUnsigned(q, CpuState.mask(size)) > 0) {
                throw x.fault.raise(GuestFault.DE);
            }
        }
        storeQuotient(size, q, r);
    }

    void idiv(Insn in) {
        int size = in.size;
        long d = CpuState.sext(x.readE(in), size);
        if (d == 0) {
            throw x.fault.raise(GuestFault.DE);
        }
        long q;
        long r;
        if (size == 8) {
            long hi = s.r[CpuState.RDX];
            long lo = s.r[CpuState.RAX];
            if (hi == (lo >> 63)) {
                if (lo == Long.MIN_VALUE && d == -1) {
                    throw x.fault.raise(GuestFault.DE);
                }
                q = lo / d;
                r = lo % d;
            } else {
                boolean negN = hi < 0;
                if (negN) { // two's complement of the 128-bit dividend
                    lo = -lo;
                    hi = ~hi + (lo == 0 ? 1 : 0);
                }
                long ad = d < 0 ? -d : d; // as unsigned: |MIN| = 2^63
                if (Long.compareUnsigned(hi, ad) >= 0) {
                    throw x.fault.raise(GuestFault.DE);
                }
                long[] qr = divide128(hi, lo, ad);
                boolean negQ = negN != (d < 0);
                if (Long.compareUnsigned(qr[0], negQ ? Long.MIN_VALUE : Long.MAX_VALUE) > 0) {
                    throw x.fault.raise(GuestFault.DE);
                }
                q = negQ ? -qr[0] : qr[0];
                r = negN ? -qr[1] : qr[1];
            }
        } else {
            long n = dividend(size, true);
            q = n / d;
            r = n % d;
            if (CpuState.sext(q, size) != q) {
                throw x.fault.raise(GuestFault.DE);
            }
        }
        storeQuotient(size, q, r);
    }

    private long dividend(int size, boolean signed) {
        switch (size) {
            case 1:
                return signed ? (short) s.r[CpuState.RAX] : s.r[CpuState.RAX] & 0xFFFF;
            case 2: {
                long v = (s.r[CpuState.RDX] & 0xFFFF) << 16 | (s.r[CpuState.RAX] & 0xFFFF);
                return signed ? (int) v : v;
            }
            default:
                return (s.r[CpuState.RDX] & 0xFFFF_FFFFL) << 32 | (s.r[CpuState.RAX] & 0xFFFF_FFFFL);
        }
    }

    private void storeQuotient(int size, long q, long r) {
        if (size == 1) {
            s.setReg(CpuState.RAX, 2, (q & 0xFF) | (r & 0xFF) << 8);
        } else {
            s.setReg(CpuState.RAX, size, q);
            s.setReg(CpuState.RDX, size, r);
        }
    }

    /** Unsigned (hi:lo) / d for hi < d (unsigned): {quotient, remainder}, by shift and subtract. */
    static long[] divide128(long hi, long lo, long d) {
        for (int i = 0; i < 64; i++) {
            boolean carry = hi < 0;
            hi = hi << 1 | lo >>> 63;
            lo <<= 1;
            if (carry || Long.compareUnsigned(hi, d) >= 0) {
                hi -= d;
                lo |= 1;
            }
        }
        return new long[] {lo, hi};
    }

    void xchg(Insn in) {
        int size = in.size;
        long g = s.reg(in.reg, size);
        if (in.mem) {
            long a = x.linear(in);
            long m = mmu.read(a, size);
            mmu.write(a, size, g);
            s.setReg(in.reg, size, m);
        } else {
            long e = s.reg(in.rm, size);
            s.setReg(in.rm, size, g);
            s.setReg(in.reg, size, e);
        }
    }

    void cmpxchg(Insn in) {
        int size = in.size;
        long acc = s.reg(CpuState.RAX, size);
        long src = s.reg(in.reg, size);
        long dst;
        if (in.mem) {
            long a = x.linear(in);
            dst = mmu.read(a, size);
            mmu.write(a, size, acc == dst ? src : dst); // the CPU always writes the destination
        } else {
            dst = s.reg(in.rm, size);
            if (acc == dst) {
                s.setReg(in.rm, size, src);
            }
        }
        if (acc != dst) {
            s.setReg(CpuState.RAX, size, dst);
        }
        f.record(Flags.SUB, size, acc, dst, (acc - dst) & CpuState.mask(size));
    }

    void xadd(Insn in) {
        int size = in.size;
        long src = s.reg(in.reg, size);
        long dst;
        long sum;
        if (in.mem) {
            long a = x.linear(in);
            dst = mmu.read(a, size);
            sum = (dst + src) & CpuState.mask(size);
            mmu.write(a, size, sum);
        } else {
            dst = s.reg(in.rm, size);
            sum = (dst + src) & CpuState.mask(size);
        }
        s.setReg(in.reg, size, dst);
        if (!in.mem) {
            s.setReg(in.rm, size, sum);
        }
        f.record(Flags.ADD, size, dst, src, sum);
    }

    /** CMPXCHG8B (size 8) and CMPXCHG16B (size 16, which needs a 16-byte aligned operand). */
    void cmpxchgDouble(Insn in) {
        long a = x.linear(in);
        if (in.size == 16) {
            if ((a & 15) != 0) {
                throw x.fault.raise(GuestFault.GP, 0);
            }
            long lo = mmu.read(a, 8);
            long hi = mmu.read(a + 8, 8);
            boolean eq = lo == s.r[CpuState.RAX] && hi == s.r[CpuState.RDX];
            if (eq) {
                mmu.write(a, 8, s.r[CpuState.RBX]);
                mmu.write(a + 8, 8, s.r[CpuState.RCX]);
            } else {
                mmu.write(a, 8, lo);
                s.r[CpuState.RAX] = lo;
                s.r[CpuState.RDX] = hi;
            }
            f.update(CpuState.ZF, eq ? CpuState.ZF : 0);
        } else {
            long m = mmu.read(a, 8);
            long cmp = (s.r[CpuState.RDX] & 0xFFFF_FFFFL) << 32 | (s.r[CpuState.RAX] & 0xFFFF_FFFFL);
            boolean eq = m == cmp;
            if (eq) {
                mmu.write(a, 8, (s.r[CpuState.RCX] & 0xFFFF_FFFFL) << 32 | (s.r[CpuState.RBX] & 0xFFFF_FFFFL));
            } else {
                mmu.write(a, 8, m);
                s.setReg(CpuState.RAX, 4, m);
                s.setReg(CpuState.RDX, 4, m >>> 32);
            }
            f.update(CpuState.ZF, eq ? CpuState.ZF : 0);
        }
    }

    /** CMOVcc reads its source whatever the condition, and a 32-bit one zero-extends its destination either way. */
    void cmov(Insn in) {
        long v = x.readE(in);
        if (f.cond(in.sub)) {
            s.setReg(in.reg, in.size, v);
        } else if (in.size == 4) {
            s.setReg(in.reg, 4, s.r[in.reg]);
        }
    }

    /** CBW, CWDE, CDQE. */
    void convertA(int size) {
        int half = size / 2;
        s.setReg(CpuState.RAX, size, CpuState.sext(s.r[CpuState.RAX], half));
    }

    /** CWD, CDQ, CQO. */
    void convertD(int size) {
        long sign = CpuState.sext(s.r[CpuState.RAX], size) < 0 ? -1 : 0;
        s.setReg(CpuState.RDX, size, sign);
    }
}
