package org.altovirt.accel.emu;

/**
 * The architectural state of one emulated x86-64 CPU: general registers, RIP, segment selectors,
 * control registers, descriptor tables and the MSRs the emu keeps. Arithmetic flags live lazily in
 * {@link Flags}; {@link #rflags} holds only the other RFLAGS bits (DF, IF, IOPL, reserved bit 1...).
 */
final class CpuState {
    static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    /** Register numbers 16..19 name AH, CH, DH, BH (byte operands without REX). */
    static final int AH = 16;

    static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    static final long CF = 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8,
            IF = 1 << 9, DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16,
            VM = 1 << 17, AC = 1 << 18, ID = 1 << 21;
    /** The six arithmetic flags, kept lazily. */
    static final long ARITH = CF | PF | AF | ZF | SF | OF;

    static final long CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20,
            CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_NW = 1L << 29, CR0_CD = 1L << 30, CR0_PG = 1L << 31;
    static final long CR4_PSE = 1 << 4, CR4_PAE = 1 << 5, CR4_PGE = 1 << 7, CR4_TSD = 1 << 2;
    static final long EFER_SCE = 1, EFER_LME = 1 << 8, EFER_LMA = 1 << 10, EFER_NXE = 1 << 11;

    final long[] r = new long[16];
    long rip;
    /** RFLAGS without the arithmetic flags (those come from {@link Flags}); bit 1 is always set. */
    long rflags = 2;

    final int[] sel = new int[6];
    long fsBase, gsBase, kernelGsBase;
    /** Current privilege level: the emu runs the guest's 64-bit path, normally at 0. */
    int cpl;

    long cr0, cr2, cr3, cr4, cr8, efer;
    long gdtBase, idtBase;
    int gdtLimit, idtLimit;
    int trSel, ldtSel;
    long trBase, ldtBase;
    int trLimit, ldtLimit;
    final long[] dr = new long[8];

    /** MSRs kept only to be read back (SYSCALL targets, PAT, SYSENTER...). */
    long star, lstar, cstar, sfmask, pat = 0x0007040600070406L, tscAux, sysenterCs, sysenterEsp, sysenterEip;
    long miscEnable = 1; // fast strings
    long tscOffset;

    /** Set by HLT; cleared by an interrupt (none exist yet) or a reset. */
    boolean halted;

    // Lazy arithmetic flags (see Flags): the operation, its operands and its result.
    int ccOp;
    long ccDst, ccSrc, ccRes, ccAux;

    final Flags flags = new Flags(this);

    /** Byte, word, dword or qword register read, zero-extended. */
    long reg(int n, int size) {
        switch (size) {
            case 8:
                return r[n];
            case 4:
                return r[n] & 0xFFFF_FFFFL;
            case 2:
                return r[n] & 0xFFFF;
            default:
                return n >= AH ? (r[n - AH] >>> 8) & 0xFF : r[n] & 0xFF;
        }
    }

    /** Register write with x86 semantics: 32-bit writes zero the upper half, 8/16-bit ones merge. */
    void setReg(int n, int size, long v) {
        switch (size) {
            case 8:
                r[n] = v;
                break;
            case 4:
                r[n] = v & 0xFFFF_FFFFL;
                break;
            case 2:
                r[n] = (r[n] & ~0xFFFFL) | (v & 0xFFFF);
                break;
            default:
                if (n >= AH) {
                    r[n - AH] = (r[n - AH] & ~0xFF00L) | ((v & 0xFF) << 8);
                } else {
                    r[n] = (r[n] & ~0xFFL) | (v & 0xFF);
                }
        }
    }

    /** The full RFLAGS value. */
    long rflags() {
        return (rflags & ~ARITH) | flags.materialize() | 2;
    }

    /** Loads RFLAGS wholesale (POPF, IRET, exception delivery). */
    void setRflags(long v) {
        rflags = (v & ~ARITH) | 2;
        flags.set(v & ARITH);
    }

    boolean df() {
        return (rflags & DF) != 0;
    }

    boolean longMode() {
        return (efer & EFER_LMA) != 0;
    }

    static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /** Sign-extends the low {@code size} bytes of {@code v}. */
    static long sext(long v, int size) {
        int sh = 64 - size * 8;
        return (v << sh) >> sh;
    }
}
