package org.altovirt.accel.emu;

/**
 * The arithmetic flags (CF, PF, AF, ZF, SF, OF), kept lazily: a flag-setting instruction records
 * what it did (the operation, its operands, its result, all masked to the operand size) and the
 * flags are computed only when something reads them. Most results are never looked at, and a
 * CMP followed by a Jcc compares the recorded operands directly.
 */
final class Flags {
    // Kinds of the last flag-setting operation; ccOp = kind << 2 | log2(operand size).
    static final int EFLAGS = 0, ADD = 1, ADC = 2, SUB = 3, SBB = 4, LOGIC = 5, INC = 6, DEC = 7,
            SHL = 8, SHR = 9, SAR = 10, MUL = 11;

    // Condition codes, as in the low nibble of Jcc/SETcc/CMOVcc.
    static final int O = 0, B = 2, Z = 4, BE = 6, S = 8, P = 10, L = 12, LE = 14;

    private static final byte[] PARITY = new byte[256];

    static {
        for (int i = 0; i < 256; i++) {
            PARITY[i] = (byte) ((Integer.bitCount(i) & 1) == 0 ? CpuState.PF : 0);
        }
    }

    private final CpuState s;

    Flags(CpuState s) {
        this.s = s;
    }

    static int sizeIndex(int size) {
        return Integer.numberOfTrailingZeros(size);
    }

    /** Records an operation; all three values must already be masked to {@code size}. */
    void record(int kind, int size, long dst, long src, long res) {
        s.ccOp = kind << 2 | sizeIndex(size);
        s.ccDst = dst;
        s.ccSrc = src;
        s.ccRes = res;
    }

    /** Records ADC/SBB (carry-in in aux), INC/DEC (CF to keep in aux) or MUL (CF=OF in aux). */
    void record(int kind, int size, long dst, long src, long res, long aux) {
        record(kind, size, dst, src, res);
        s.ccAux = aux;
    }

    void logic(int size, long res) {
        s.ccOp = LOGIC << 2 | sizeIndex(size);
        s.ccRes = res;
    }

    /** Sets all six arithmetic flags from {@code bits} (an RFLAGS image). */
    void set(long bits) {
        s.ccOp = EFLAGS;
        s.ccRes = bits & CpuState.ARITH;
    }

    /** Replaces the flags in {@code which} by those in {@code bits}, keeping the others. */
    void update(long which, long bits) {
        set((materialize() & ~which) | (bits & which));
    }

    boolean cf() {
        int kind = s.ccOp >>> 2;
        if (kind == ADD) {
            return Long.compareUnsigned(s.ccRes, s.ccDst) < 0;
        }
        if (kind == SUB) {
            return Long.compareUnsigned(s.ccDst, s.ccSrc) < 0;
        }
        if (kind == LOGIC) {
            return false;
        }
        if (kind == INC || kind == DEC) {
            return s.ccAux != 0;
        }
        return (materialize() & CpuState.CF) != 0;
    }

    /** The six arithmetic flags as RFLAGS bits. */
    long materialize() {
        int op = s.ccOp;
        int kind = op >>> 2;
        long res = s.ccRes;
        if (kind == EFLAGS) {
            return res;
        }
        int bits = 8 << (op & 3);
        long sign = 1L << (bits - 1);
        long dst = s.ccDst;
        long src = s.ccSrc;
        boolean cf;
        boolean of;
        long af = 0;
        switch (kind) {
            case ADD:
                cf = Long.compareUnsigned(res, dst) < 0;
                of = ((dst ^ res) & (src ^ res) & sign) != 0;
                af = (dst ^ src ^ res) & 0x10;
                break;
            case ADC:
                cf = Long.compareUnsigned(res, dst) < 0 || (s.ccAux != 0 && res == dst);
                of = ((dst ^ res) & (src ^ res) & sign) != 0;
                af = (dst ^ src ^ res) & 0x10;
                break;
            case SUB:
                cf = Long.compareUnsigned(dst, src) < 0;
                of = ((dst ^ src) & (dst ^ res) & sign) != 0;
                af = (dst ^ src ^ res) & 0x10;
                break;
            case SBB:
                cf = Long.compareUnsigned(dst, src) < 0 || (s.ccAux != 0 && dst == src);
                of = ((dst ^ src) & (dst ^ res) & sign) != 0;
                af = (dst ^ src ^ res) & 0x10;
                break;
            case INC:
                cf = s.ccAux != 0;
                of = res == sign;
                af = (dst ^ 1 ^ res) & 0x10;
                break;
            case DEC:
                cf = s.ccAux != 0;
                of = res == sign - 1;
                af = (dst ^ 1 ^ res) & 0x10;
                break;
            case SHL: {
                int n = (int) src; // 1..63; beyond the width CF is undefined
                cf = n <= bits && ((dst >>> (bits - n)) & 1) != 0;
                of = ((res & sign) != 0) != cf;
                break;
            }
            case SHR:
                cf = ((dst >>> ((int) src - 1)) & 1) != 0;
                of = (dst & sign) != 0;
                break;
            case SAR: {
                long v = CpuState.sext(dst, bits / 8);
                cf = ((v >> Math.min((int) src - 1, 63)) & 1) != 0;
                of = false;
                break;
            }
            case MUL:
                cf = s.ccAux != 0;
                of = cf;
                break;
            default: // LOGIC
                cf = false;
                of = false;
        }
        long f = PARITY[(int) res & 0xFF] | af;
        if (cf) {
            f |= CpuState.CF;
        }
        if (of) {
            f |= CpuState.OF;
        }
        if (res == 0) {
            f |= CpuState.ZF;
        }
        if ((res & sign) != 0) {
            f |= CpuState.SF;
        }
        return f;
    }

    /**
     * Evaluates condition code {@code cc} (0..15) without building RFLAGS where it can: ZF and SF
     * straight from the recorded result, the CMP + Jcc cases from the compared operands. Kept
     * small so the JIT inlines it into every Jcc, SETcc and CMOVcc; the rest is {@link #slowCond}.
     */
    boolean cond(int cc) {
        int op = s.ccOp;
        if (op >= 4) { // not EFLAGS: a recorded operation
            int test = cc & ~1;
            if (test == Z) {
                return (s.ccRes == 0) != ((cc & 1) != 0);
            }
            if (op >>> 2 == SUB) {
                int sh = 64 - (8 << (op & 3));
                if (test == L) {
                    return ((s.ccDst << sh) < (s.ccSrc << sh)) != ((cc & 1) != 0);
                }
                if (test == LE) {
                    return ((s.ccDst << sh) <= (s.ccSrc << sh)) != ((cc & 1) != 0);
                }
                if (test == B) {
                    return (Long.compareUnsigned(s.ccDst, s.ccSrc) < 0) != ((cc & 1) != 0);
                }
            }
        }
        return slowCond(cc);
    }

    private boolean slowCond(int cc) {
        int op = s.ccOp;
        int kind = op >>> 2;
        if (kind == EFLAGS) {
            return generic(cc);
        }
        int sh = 64 - (8 << (op & 3));
        boolean r;
        switch (cc & ~1) {
            case S:
                r = (s.ccRes << sh) < 0;
                break;
            case B:
                if (kind == LOGIC) {
                    r = false;
                } else if (kind == INC || kind == DEC) {
                    r = s.ccAux != 0;
                } else {
                    return generic(cc);
                }
                break;
            case BE:
                if (kind == SUB) {
                    r = Long.compareUnsigned(s.ccDst, s.ccSrc) <= 0;
                } else if (kind == LOGIC) {
                    r = s.ccRes == 0;
                } else {
                    return generic(cc);
                }
                break;
            case L:
                if (kind == LOGIC) {
                    r = (s.ccRes << sh) < 0;
                } else {
                    return generic(cc);
                }
                break;
            case LE:
                if (kind == LOGIC) {
                    r = (s.ccRes << sh) <= 0;
                } else {
                    return generic(cc);
                }
                break;
            default:
                return generic(cc);
        }
        return r ^ ((cc & 1) != 0);
    }

    private boolean generic(int cc) {
        long f = materialize();
        boolean r;
        switch (cc & ~1) {
            case O:
                r = (f & CpuState.OF) != 0;
                break;
            case B:
                r = (f & CpuState.CF) != 0;
                break;
            case Z:
                r = (f & CpuState.ZF) != 0;
                break;
            case BE:
                r = (f & (CpuState.CF | CpuState.ZF)) != 0;
                break;
            case S:
                r = (f & CpuState.SF) != 0;
                break;
            case P:
                r = (f & CpuState.PF) != 0;
                break;
            case L:
                r = ((f & CpuState.SF) != 0) != ((f & CpuState.OF) != 0);
                break;
            default: // LE
                r = (f & CpuState.ZF) != 0 || ((f & CpuState.SF) != 0) != ((f & CpuState.OF) != 0);
        }
        return r ^ ((cc & 1) != 0);
    }
}
