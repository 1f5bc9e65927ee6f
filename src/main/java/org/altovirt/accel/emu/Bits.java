package org.altovirt.accel.emu;

/**
 * Shifts and rotates (including RCL/RCR and SHLD/SHRD), bit tests, bit scans, POPCNT and BSWAP.
 * Counts are masked to 5 bits (6 for 64-bit operands) as the CPU does, and a masked count of zero
 * changes neither the operand (but for the upper half of a 32-bit register, cleared as by any
 * 32-bit write) nor the flags.
 */
final class Bits {
    static final int ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7;

    private final Executor x;
    private final CpuState s;
    private final Flags f;
    private final Mmu mmu;

    Bits(Executor x) {
        this.x = x;
        this.s = x.s;
        this.f = x.f;
        this.mmu = x.mmu;
    }

    void shift(Insn in, int rawCount) {
        int size = in.size;
        int count = rawCount & (size == 8 ? 63 : 31);
        if (count == 0) {
            zeroExtend(in);
            return;
        }
        int bits = size * 8;
        long mask = CpuState.mask(size);
        long a = in.mem ? x.linear(in) : 0;
        long d = in.mem ? mmu.read(a, size) : s.reg(in.rm, size);
        long r;
        int kind = in.sub;
        switch (kind) {
            case SHL:
            case SAL:
                r = count >= bits ? 0 : (d << count) & mask;
                break;
            case SHR:
                r = d >>> count;
                break;
            case SAR:
                r = (CpuState.sext(d, size) >> count) & mask;
                break;
            case ROL: {
                int c = count % bits;
                r = c == 0 ? d : ((d << c) | (d >>> (bits - c))) & mask;
                break;
            }
            case ROR: {
                int c = count % bits;
                r = c == 0 ? d : ((d >>> c) | (d << (bits - c))) & mask;
                break;
            }
            default:
                r = rotateThroughCarry(kind == RCL, d, count, size);
        }
        if (in.mem) {
            mmu.write(a, size, r);
        } else {
            s.setReg(in.rm, size, r);
        }
        long sign = 1L << (bits - 1);
        switch (kind) {
            case SHL:
            case SAL:
                f.record(Flags.SHL, size, d, count, r);
                break;
            case SHR:
                f.record(Flags.SHR, size, d, count, r);
                break;
            case SAR:
                f.record(Flags.SAR, size, d, count, r);
                break;
            case ROL: {
                boolean cf = (r & 1) != 0;
                boolean of = ((r & sign) != 0) != cf;
                f.update(CpuState.CF | CpuState.OF, (cf ? CpuState.CF : 0) | (of ? CpuState.OF : 0));
                break;
            }
            case ROR: {
                boolean cf = (r & sign) != 0;
                boolean of = cf != ((r & (sign >>> 1)) != 0);
                f.update(CpuState.CF | CpuState.OF, (cf ? CpuState.CF : 0) | (of ? CpuState.OF : 0));
                break;
            }
            default:
                break; // RCL/RCR set their flags as they rotate
        }
    }

    /** A 32-bit register operand is written even by a shift of 0: its upper half is cleared, as on the CPU. */
    private void zeroExtend(Insn in) {
        if (!in.mem && in.size == 4) {
            s.setReg(in.rm, 4, s.r[in.rm]);
        }
    }

    /** RCL/RCR: a rotation of the operand and CF together, count mod (width + 1). */
    private long rotateThroughCarry(boolean left, long d, int count, int size) {
        int bits = size * 8;
        int c = size <= 2 ? count % (bits + 1) : count;
        long sign = 1L << (bits - 1);
        long cf = f.cf() ? 1 : 0;
        long r = d;
        boolean of;
        if (left) {
            for (int i = 0; i < c; i++) {
                long out = (r & sign) != 0 ? 1 : 0;
                r = ((r << 1) | cf) & CpuState.mask(size);
                cf = out;
            }
            of = ((r & sign) != 0) != (cf != 0);
        } else {
            of = ((r & sign) != 0) != (cf != 0); // defined for a count of 1: taken before rotating
            for (int i = 0; i < c; i++) {
                long out = r & 1;
                r = (r >>> 1) | (cf != 0 ? sign : 0);
                cf = out;
            }
        }
        if (c != 0) {
            f.update(CpuState.CF | CpuState.OF, (cf != 0 ? CpuState.CF : 0) | (of ? CpuState.OF : 0));
        }
        return r;
    }

    /** SHLD (sub 0) and SHRD (sub 1): shift the r/m operand, filling from the register operand. */
    void doubleShift(Insn in, int rawCount) {
        int size = in.size;
        int count = rawCount & (size == 8 ? 63 : 31);
        if (count == 0) {
            zeroExtend(in);
            return;
        }
        int bits = size * 8;
        long mask = CpuState.mask(size);
        long a = in.mem ? x.linear(in) : 0;
        long d = in.mem ? mmu.read(a, size) : s.reg(in.rm, size);
        long src = s.reg(in.reg, size);
        long r;
        boolean cf;
        if (size == 2 && count > 16) {
            // Undefined on the CPU; shift the 32-bit d:src pair as a wider SHLD/SHRD would.
            long pair = in.sub == 0 ? (d << 16 | src) : (src << 16 | d);
            r = in.sub == 0 ? (pair << count >>> 16) & mask : (pair >>> count) & mask;
            cf = in.sub == 0 ? ((pair >>> (32 - count)) & 1) != 0 : ((pair >>> (count - 1)) & 1) != 0;
        } else if (in.sub == 0) {
            r = ((d << count) | (src >>> (bits - count))) & mask;
            cf = ((d >>> (bits - count)) & 1) != 0;
        } else {
            r = ((d >>> count) | (src << (bits - count))) & mask;
            cf = ((d >>> (count - 1)) & 1) != 0;
        }
        if (in.mem) {
            mmu.write(a, size, r);
        } else {
            s.setReg(in.rm, size, r);
        }
        long sign = 1L << (bits - 1);
        boolean of = ((r ^ d) & sign) != 0;
        setResultFlags(size, r, cf, of);
    }

    /** Sets SF, ZF, PF from {@code r}, CF and OF as given, AF clear. */
    private void setResultFlags(int size, long r, boolean cf, boolean of) {
        f.logic(size, r);
        long flags = f.materialize() & ~(CpuState.CF | CpuState.OF);
        if (cf) {
            flags |= CpuState.CF;
        }
        if (of) {
            flags |= CpuState.OF;
        }
        f.set(flags);
    }

    /** BT, BTS, BTR, BTC: CF = the selected bit; a register offset may reach outside a memory operand. */
    void bitTest(Insn in, long offset, boolean fromRegister) {
        int size = in.size;
        int bits = size * 8;
        int bit = (int) offset & (bits - 1);
        long v;
        long a = 0;
        if (in.mem) {
            a = x.linear(in);
            if (fromRegister) {
                a += (CpuState.sext(offset, size) >> Integer.numberOfTrailingZeros(bits)) * size;
            }
            v = mmu.read(a, size);
        } else {
            v = s.reg(in.rm, size);
        }
        long m = 1L << bit;
        long r;
        switch (in.sub) {
            case 1: r = v | m; break;
            case 2: r = v & ~m; break;
            case 3: r = v ^ m; break;
            default: r = v;
        }
        if (in.sub != 0) {
            if (in.mem) {
                mmu.write(a, size, r);
            } else {
                s.setReg(in.rm, size, r);
            }
        }
        f.update(CpuState.CF, (v & m) != 0 ? CpuState.CF : 0);
    }

    /** BSF/BSR: ZF set and the destination unchanged for a zero source. */
    void bitScan(Insn in, boolean forward) {
        int size = in.size;
        long v = x.readE(in);
        if (v == 0) {
            f.update(CpuState.ZF, CpuState.ZF);
            return;
        }
        int index = forward ? Long.numberOfTrailingZeros(v) : 63 - Long.numberOfLeadingZeros(v);
        s.setReg(in.reg, size, index);
        f.update(CpuState.ZF, 0);
    }

    void popcnt(Insn in) {
        long v = x.readE(in);
        s.setReg(in.reg, in.size, Long.bitCount(v));
        f.set(v == 0 ? CpuState.ZF : 0);
    }

    void bswap(Insn in) {
        switch (in.size) {
            case 8:
                s.r[in.rm] = Long.reverseBytes(s.r[in.rm]);
                break;
            case 4:
                s.setReg(in.rm, 4, Integer.reverseBytes((int) s.r[in.rm]));
                break;
            default:
                s.setReg(in.rm, 2, 0); // undefined for 16 bits; the CPU clears the word
        }
    }
}
