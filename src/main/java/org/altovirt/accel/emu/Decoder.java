package org.altovirt.accel.emu;

/**
 * Decodes x86-64 instructions (64-bit mode) into {@link Insn}s: legacy prefixes (66, 67, F0, F2,
 * F3, segment), REX, the one-byte map and the two-byte (0F) map as far as the emu executes them.
 * An opcode the emu does not know decodes to {@link Op#UD}, so the guest sees #UD when (and only
 * when) it executes it. Not thread-safe: one decoder per vCPU.
 */
final class Decoder {
    /** The bytes ran out before the instruction did (it continues on the next page). */
    static final class Incomplete extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Incomplete() {
            super("instruction continues past the bytes available", null, false, false);
        }
    }

    static final Incomplete INCOMPLETE = new Incomplete();
    static final int MAX_LENGTH = 15;

    private byte[] buf;
    private int pos;
    private int start;
    private int limit;
    private int rex;
    private boolean opsize;
    private int rep;

    /** Decodes the instruction at {@code buf[at]}; {@code buf[limit]} is the first byte not available. */
    Insn decode(byte[] buf, int at, int limit) {
        this.buf = buf;
        this.pos = at;
        this.start = at;
        this.limit = limit;
        Insn in = new Insn();
        try {
            decodeInto(in);
        } catch (TooLong e) {
            in = new Insn();
            in.op = Op.GP;
            pos = start + MAX_LENGTH;
        }
        in.len = pos - start;
        in.ends |= endsBlock(in.op) || (in.rep != 0 && isString(in.op));
        in.needsRip = in.ends || in.ripRel;
        FastForms.specialize(in);
        return in;
    }

    private static final class TooLong extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLong() {
            super(null, null, false, false);
        }
    }

    private static final TooLong TOO_LONG = new TooLong();

    private int next() {
        if (pos - start >= MAX_LENGTH) {
            throw TOO_LONG;
        }
        if (pos >= limit) {
            throw INCOMPLETE;
        }
        return buf[pos++] & 0xFF;
    }

    private long imm8() {
        return (byte) next();
    }

    private long imm16() {
        return (short) (next() | next() << 8);
    }

    private long imm32() {
        return next() | next() << 8 | next() << 16 | (long) next() << 24 << 32 >> 32;
    }

    private long imm64() {
        long lo = imm32() & 0xFFFF_FFFFL;
        return lo | imm32() << 32;
    }

    /** An Iz immediate: 16 bits under a 66 prefix, else 32 bits sign-extended. */
    private long immZ(int size) {
        return size == 2 ? imm16() : imm32();
    }

    private long imm(int size) {
        return size == 1 ? imm8() : immZ(size);
    }

    private int byteReg(int n) {
        return rex == 0 && n >= 4 && n < 8 ? CpuState.AH + n - 4 : n;
    }

    /** Reads ModRM (+SIB, displacement); sets reg (sized {@code regSize}) and the r/m operand ({@code rmSize}). */
    private int modrm(Insn in, int regSize, int rmSize) {
        int m = next();
        int mod = m >>> 6;
        int reg = (m >>> 3 & 7) | (rex & 4) << 1;
        int rm = m & 7;
        in.reg = regSize == 1 ? byteReg(reg) : reg;
        if (mod == 3) {
            int r = rm | (rex & 1) << 3;
            in.rm = rmSize == 1 ? byteReg(r) : r;
            return m;
        }
        in.mem = true;
        if (rm == 4) {
            int sib = next();
            int base = sib & 7;
            int index = (sib >>> 3 & 7) | (rex & 2) << 2;
            in.scale = sib >>> 6;
            in.index = index == 4 ? -1 : index;
            if (base == 5 && mod == 0) {
                in.base = -1;
                in.disp = imm32();
            } else {
                in.base = base | (rex & 1) << 3;
            }
        } else if (rm == 5 && mod == 0) {
            in.ripRel = true;
            in.disp = imm32();
        } else {
            in.base = rm | (rex & 1) << 3;
        }
        if (mod == 1) {
            in.disp = imm8();
        } else if (mod == 2) {
            in.disp = imm32();
        }
        return m;
    }

    private void decodeInto(Insn in) {
        rex = 0;
        opsize = false;
        rep = 0;
        int seg = 0;
        boolean addr32 = false;
        boolean lock = false;
        int op;
        while (true) {
            op = next();
            if (op == 0x66) {
                opsize = true;
            } else if (op == 0x67) {
                addr32 = true;
            } else if (op == 0x64) {
                seg = CpuState.FS;
            } else if (op == 0x65) {
                seg = CpuState.GS;
            } else if (op == 0x26 || op == 0x2E || op == 0x36 || op == 0x3E) {
                // ES/CS/SS/DS overrides do nothing in 64-bit mode
            } else if (op == 0xF0) {
                lock = true;
            } else if (op == 0xF2 || op == 0xF3) {
                rep = op;
            } else if ((op & 0xF0) == 0x40) {
                rex = op;
                continue;
            } else {
                break;
            }
            rex = 0; // a REX prefix counts only right before the opcode
        }
        in.seg = seg;
        in.addr32 = addr32;
        in.lock = lock;
        int v = (rex & 8) != 0 ? 8 : opsize ? 2 : 4;
        int v64 = (rex & 8) != 0 || !opsize ? 8 : 2;
        if (op == 0x0F) {
            twoByte(in, next(), v, v64);
        } else {
            oneByte(in, op, v, v64);
        }
        if (lock && !lockable(in)) {
            in.op = Op.UD;
        }
    }

    private void oneByte(Insn in, int op, int v, int v64) {
        if (op < 0x40) {
            if ((op & 7) >= 6) {
                in.op = Op.UD; // segment push/pop and BCD instructions are invalid in 64-bit mode
                return;
            }
            in.sub = op >>> 3;
            switch (op & 7) {
                case 0: set(in, Op.ALU_EG, 1); modrm(in, 1, 1); return;
                case 1: set(in, Op.ALU_EG, v); modrm(in, v, v); return;
                case 2: set(in, Op.ALU_GE, 1); modrm(in, 1, 1); return;
                case 3: set(in, Op.ALU_GE, v); modrm(in, v, v); return;
                case 4: set(in, Op.ALU_EI, 1); in.rm = 0; in.imm = imm8(); return;
                default: set(in, Op.ALU_EI, v); in.rm = 0; in.imm = immZ(v); return;
            }
        }
        if (op >= 0x50 && op <= 0x5F) {
            set(in, op < 0x58 ? Op.PUSH : Op.POP, v64);
            in.rm = (op & 7) | (rex & 1) << 3;
            return;
        }
        if (op >= 0x70 && op <= 0x7F) {
            set(in, Op.JCC, 8);
            in.sub = op & 0xF;
            in.imm = imm8();
            return;
        }
        if (op >= 0x91 && op <= 0x97) {
            set(in, Op.XCHG, v);
            in.rm = (op & 7) | (rex & 1) << 3;
            in.reg = 0;
            return;
        }
        if (op >= 0xB0 && op <= 0xB7) {
            set(in, Op.MOV_EI, 1);
            in.rm = byteReg((op & 7) | (rex & 1) << 3);
            in.imm = imm8();
            return;
        }
        if (op >= 0xB8 && op <= 0xBF) {
            set(in, Op.MOV_EI, v);
            in.rm = (op & 7) | (rex & 1) << 3;
            in.imm = v == 8 ? imm64() : immZ(v);
            return;
        }
        if (op >= 0xD8 && op <= 0xDF) {
            in.op = Op.UD; // x87: no FPU is offered (CPUID.1:EDX.FPU = 0)
            return;
        }
        switch (op) {
            case 0x63:
                if (v == 8) {
                    set(in, Op.MOVSX, 8);
                    in.sub = 4;
                    modrm(in, 8, 4);
                } else {
                    set(in, Op.MOV_GE, v);
                    modrm(in, v, v);
                }
                return;
            case 0x68: set(in, Op.PUSH_I, v64); in.imm = immZ(v64); return;
            case 0x69: set(in, Op.IMUL_GEI, v); modrm(in, v, v); in.imm = immZ(v); return;
            case 0x6A: set(in, Op.PUSH_I, v64); in.imm = imm8(); return;
            case 0x6B: set(in, Op.IMUL_GEI, v); modrm(in, v, v); in.imm = imm8(); return;
            case 0x6C: case 0x6D: string(in, Op.INS, op, Math.min(v, 4)); return;
            case 0x6E: case 0x6F: string(in, Op.OUTS, op, Math.min(v, 4)); return;
            case 0x80: set(in, Op.ALU_EI, 1); in.sub = modrm(in, 1, 1) >>> 3 & 7; in.imm = imm8(); return;
            case 0x81: set(in, Op.ALU_EI, v); in.sub = modrm(in, v, v) >>> 3 & 7; in.imm = immZ(v); return;
            case 0x83: set(in, Op.ALU_EI, v); in.sub = modrm(in, v, v) >>> 3 & 7; in.imm = imm8(); return;
            case 0x84: set(in, Op.TEST_EG, 1); modrm(in, 1, 1); return;
            case 0x85: set(in, Op.TEST_EG, v); modrm(in, v, v); return;
            case 0x86: set(in, Op.XCHG, 1); modrm(in, 1, 1); return;
            case 0x87: set(in, Op.XCHG, v); modrm(in, v, v); return;
            case 0x88: set(in, Op.MOV_EG, 1); modrm(in, 1, 1); return;
            case 0x89: set(in, Op.MOV_EG, v); modrm(in, v, v); return;
            case 0x8A: set(in, Op.MOV_GE, 1); modrm(in, 1, 1); return;
            case 0x8B: set(in, Op.MOV_GE, v); modrm(in, v, v); return;
            case 0x8C: {
                set(in, Op.MOV_E_SREG, v);
                modrm(in, 2, v);
                in.reg &= 7;
                if (in.mem) {
                    in.size = 2;
                }
                if (in.reg > CpuState.GS) {
                    in.op = Op.UD;
                }
                return;
            }
            case 0x8D: set(in, Op.LEA, v); modrm(in, v, v); if (!in.mem) in.op = Op.UD; return;
            case 0x8E: {
                set(in, Op.MOV_SREG_E, 2);
                modrm(in, 2, 2);
                in.reg &= 7;
                if (in.reg == CpuState.CS || in.reg > CpuState.GS) {
                    in.op = Op.UD;
                }
                return;
            }
            case 0x8F: set(in, Op.POP, v64); if ((modrm(in, v64, v64) >>> 3 & 7) != 0) in.op = Op.UD; return;
            case 0x90:
                if ((rex & 1) != 0) {
                    set(in, Op.XCHG, v);
                    in.rm = 8;
                    in.reg = 0;
                } else {
                    in.op = Op.NOP; // also PAUSE (F3 90)
                }
                return;
            case 0x98: set(in, Op.CONV_A, v); return;
            case 0x99: set(in, Op.CONV_D, v); return;
            case 0x9B: in.op = Op.NOP; return; // FWAIT: no FPU state to wait for
            case 0x9C: set(in, Op.PUSHF, v64); return;
            case 0x9D: set(in, Op.POPF, v64); return;
            case 0x9E: in.op = Op.SAHF; return;
            case 0x9F: in.op = Op.LAHF; return;
            case 0xA0: case 0xA1: case 0xA2: case 0xA3: {
                set(in, op < 0xA2 ? Op.MOV_GE : Op.MOV_EG, (op & 1) == 0 ? 1 : v);
                in.reg = 0;
                in.mem = true;
                in.disp = in.addr32 ? imm32() & 0xFFFF_FFFFL : imm64();
                return;
            }
            case 0xA4: case 0xA5: string(in, Op.MOVS, op, v); return;
            case 0xA6: case 0xA7: string(in, Op.CMPS, op, v); return;
            case 0xA8: set(in, Op.TEST_EI, 1); in.rm = 0; in.imm = imm8(); return;
            case 0xA9: set(in, Op.TEST_EI, v); in.rm = 0; in.imm = immZ(v); return;
            case 0xAA: case 0xAB: string(in, Op.STOS, op, v); return;
            case 0xAC: case 0xAD: string(in, Op.LODS, op, v); return;
            case 0xAE: case 0xAF: string(in, Op.SCAS, op, v); return;
            case 0xC0: set(in, Op.SHIFT_I, 1); in.sub = modrm(in, 1, 1) >>> 3 & 7; in.imm = next(); return;
            case 0xC1: set(in, Op.SHIFT_I, v); in.sub = modrm(in, v, v) >>> 3 & 7; in.imm = next(); return;
            case 0xD0: set(in, Op.SHIFT_I, 1); in.sub = modrm(in, 1, 1) >>> 3 & 7; in.imm = 1; return;
            case 0xD1: set(in, Op.SHIFT_I, v); in.sub = modrm(in, v, v) >>> 3 & 7; in.imm = 1; return;
            case 0xD2: set(in, Op.SHIFT_CL, 1); in.sub = modrm(in, 1, 1) >>> 3 & 7; return;
            case 0xD3: set(in, Op.SHIFT_CL, v); in.sub = modrm(in, v, v) >>> 3 & 7; return;
            case 0xC2: set(in, Op.RET, v64); in.imm = imm16() & 0xFFFF; return;
            case 0xC3: set(in, Op.RET, v64); return;
            case 0xC6: set(in, Op.MOV_EI, 1); if ((modrm(in, 1, 1) >>> 3 & 7) != 0) in.op = Op.UD; in.imm = imm8(); return;
            case 0xC7: set(in, Op.MOV_EI, v); if ((modrm(in, v, v) >>> 3 & 7) != 0) in.op = Op.UD; in.imm = immZ(v); return;
            case 0xC8: set(in, Op.ENTER, v64); in.imm = imm16() & 0xFFFF; in.imm2 = next(); return;
            case 0xC9: set(in, Op.LEAVE, v64); return;
            case 0xCA: set(in, Op.LRET, v); in.imm = imm16() & 0xFFFF; return;
            case 0xCB: set(in, Op.LRET, v); return;
            case 0xCC: in.op = Op.INT3; return;
            case 0xCD: in.op = Op.INTN; in.imm = next(); return;
            case 0xCF: set(in, Op.IRET, v); return;
            case 0xD7: set(in, Op.XLAT, 1); return;
            case 0xE0: case 0xE1: case 0xE2: set(in, Op.LOOP, 8); in.sub = op - 0xE0; in.imm = imm8(); return;
            case 0xE3: set(in, Op.JRCXZ, 8); in.imm = imm8(); return;
            case 0xE4: set(in, Op.IN_I, 1); in.imm = next(); return;
            case 0xE5: set(in, Op.IN_I, Math.min(v, 4)); in.imm = next(); return;
            case 0xE6: set(in, Op.OUT_I, 1); in.imm = next(); return;
            case 0xE7: set(in, Op.OUT_I, Math.min(v, 4)); in.imm = next(); return;
            case 0xE8: set(in, Op.CALL, 8); in.imm = imm32(); return;
            case 0xE9: set(in, Op.JMP, 8); in.imm = imm32(); return;
            case 0xEB: set(in, Op.JMP, 8); in.imm = imm8(); return;
            case 0xEC: set(in, Op.IN_DX, 1); return;
            case 0xED: set(in, Op.IN_DX, Math.min(v, 4)); return;
            case 0xEE: set(in, Op.OUT_DX, 1); return;
            case 0xEF: set(in, Op.OUT_DX, Math.min(v, 4)); return;
            case 0xF4: in.op = Op.HLT; return;
            case 0xF5: in.op = Op.CMC; return;
            case 0xF6: case 0xF7: group3(in, op == 0xF6 ? 1 : v); return;
            case 0xF8: in.op = Op.CLC; return;
            case 0xF9: in.op = Op.STC; return;
            case 0xFA: in.op = Op.CLI; return;
            case 0xFB: in.op = Op.STI; return;
            case 0xFC: in.op = Op.CLD; return;
            case 0xFD: in.op = Op.STD; return;
            case 0xFE: {
                set(in, Op.INC, 1);
                int r = modrm(in, 1, 1) >>> 3 & 7;
                in.op = r == 0 ? Op.INC : r == 1 ? Op.DEC : Op.UD;
                return;
            }
            case 0xFF: group5(in, v, v64); return;
            default:
                in.op = Op.UD; // 06, 07, 27, 60-62, 82, 9A, C4, C5, CE, D4-D6, EA, F1, VEX, EVEX...
        }
    }

    private void group3(Insn in, int size) {
        set(in, Op.TEST_EI, size);
        int r = modrm(in, size, size) >>> 3 & 7;
        switch (r) {
            case 0: case 1: in.imm = imm(size); return;
            case 2: in.op = Op.NOT; return;
            case 3: in.op = Op.NEG; return;
            case 4: in.op = Op.MUL; return;
            case 5: in.op = Op.IMUL1; return;
            case 6: in.op = Op.DIV; return;
            default: in.op = Op.IDIV;
        }
    }

    private void group5(Insn in, int v, int v64) {
        set(in, Op.INC, v);
        int r = modrm(in, v, v) >>> 3 & 7;
        switch (r) {
            case 0: in.op = Op.INC; return;
            case 1: in.op = Op.DEC; return;
            case 2: in.op = Op.CALL_E; in.size = 8; return;
            case 3: in.op = in.mem ? Op.CALLF : Op.UD; return;
            case 4: in.op = Op.JMP_E; in.size = 8; return;
            case 5: in.op = in.mem ? Op.JMPF : Op.UD; return;
            case 6: in.op = Op.PUSH; in.size = v64; return;
            default: in.op = Op.UD;
        }
    }

    private void string(Insn in, int op, int opcode, int v) {
        set(in, op, (opcode & 1) == 0 ? 1 : v);
        in.rep = rep;
    }

    private void twoByte(Insn in, int op, int v, int v64) {
        if (op >= 0x40 && op <= 0x4F) {
            set(in, Op.CMOVCC, v);
            in.sub = op & 0xF;
            modrm(in, v, v);
            return;
        }
        if (op >= 0x80 && op <= 0x8F) {
            set(in, Op.JCC, 8);
            in.sub = op & 0xF;
            in.imm = imm32();
            return;
        }
        if (op >= 0x90 && op <= 0x9F) {
            set(in, Op.SETCC, 1);
            in.sub = op & 0xF;
            modrm(in, 1, 1);
            return;
        }
        if (op >= 0xC8) {
            set(in, Op.BSWAP, v);
            in.rm = (op & 7) | (rex & 1) << 3;
            return;
        }
        if (op >= 0x18 && op <= 0x1F) {
            in.op = Op.NOP; // hint NOPs: PREFETCHh, NOP Ev, ENDBR64 (F3 0F 1E FA)...
            modrm(in, v, v);
            return;
        }
        switch (op) {
            case 0x00: {
                int r = modrm(in, 2, 2) >>> 3 & 7;
                set(in, r == 0 ? Op.SLDT : r == 1 ? Op.STR : r == 2 ? Op.LLDT : r == 3 ? Op.LTR : Op.UD, 2);
                if (!in.mem && (r == 0 || r == 1)) {
                    in.size = v;
                }
                return;
            }
            case 0x01: group7(in, v); return;
            case 0x06: in.op = Op.CLTS; return;
            case 0x08: case 0x09: in.op = Op.NOP; return; // INVD/WBINVD: no caches to write back
            case 0x0D: in.op = Op.NOP; modrm(in, v, v); return; // PREFETCHW
            case 0x20: case 0x21: case 0x22: case 0x23: {
                set(in, op == 0x20 ? Op.MOV_FROM_CR : op == 0x21 ? Op.MOV_FROM_DR : op == 0x22 ? Op.MOV_TO_CR : Op.MOV_TO_DR, 8);
                int m = next();
                in.reg = (m >>> 3 & 7) | (rex & 4) << 1;
                in.rm = (m & 7) | (rex & 1) << 3;
                return;
            }
            case 0x30: in.op = Op.WRMSR; return;
            case 0x31: in.op = Op.RDTSC; return;
            case 0x32: in.op = Op.RDMSR; return;
            case 0xA0: set(in, Op.PUSH_SREG, v64); in.sub = CpuState.FS; return;
            case 0xA1: set(in, Op.POP_SREG, v64); in.sub = CpuState.FS; return;
            case 0xA8: set(in, Op.PUSH_SREG, v64); in.sub = CpuState.GS; return;
            case 0xA9: set(in, Op.POP_SREG, v64); in.sub = CpuState.GS; return;
            case 0xA2: in.op = Op.CPUID; return;
            case 0xA3: case 0xAB: case 0xB3: case 0xBB:
                set(in, Op.BT_EG, v);
                in.sub = (op >>> 3) & 3;
                modrm(in, v, v);
                return;
            case 0xA4: set(in, Op.SHD_I, v); modrm(in, v, v); in.imm = next(); return;
            case 0xA5: set(in, Op.SHD_CL, v); modrm(in, v, v); return;
            case 0xAC: set(in, Op.SHD_I, v); in.sub = 1; modrm(in, v, v); in.imm = next(); return;
            case 0xAD: set(in, Op.SHD_CL, v); in.sub = 1; modrm(in, v, v); return;
            case 0xAE: {
                int m = modrm(in, v, v);
                int r = m >>> 3 & 7;
                // LFENCE, MFENCE, SFENCE and CLFLUSH: one CPU, no caches to manage
                in.op = rep == 0 && ((!in.mem && r >= 5) || (in.mem && r == 7)) ? Op.NOP : Op.UD;
                return;
            }
            case 0xAF: set(in, Op.IMUL_GE, v); modrm(in, v, v); return;
            case 0xB0: set(in, Op.CMPXCHG, 1); modrm(in, 1, 1); return;
            case 0xB1: set(in, Op.CMPXCHG, v); modrm(in, v, v); return;
            case 0xB6: set(in, Op.MOVZX, v); in.sub = 1; modrm(in, v, 1); return;
            case 0xB7: set(in, Op.MOVZX, v); in.sub = 2; modrm(in, v, 2); return;
            case 0xBE: set(in, Op.MOVSX, v); in.sub = 1; modrm(in, v, 1); return;
            case 0xBF: set(in, Op.MOVSX, v); in.sub = 2; modrm(in, v, 2); return;
            case 0xB8: set(in, rep == 0xF3 ? Op.POPCNT : Op.UD, v); modrm(in, v, v); return;
            case 0xBA: {
                set(in, Op.BT_EI, v);
                int r = modrm(in, v, v) >>> 3 & 7;
                in.imm = next();
                in.sub = r - 4;
                if (r < 4) {
                    in.op = Op.UD;
                }
                return;
            }
            // F3 0F BC/BD are TZCNT/LZCNT only where CPUID offers BMI1/ABM; the emu does not, so
            // they run as BSF/BSR, as on the CPUs before them.
            case 0xBC: set(in, Op.BSF, v); modrm(in, v, v); return;
            case 0xBD: set(in, Op.BSR, v); modrm(in, v, v); return;
            case 0xC0: set(in, Op.XADD, 1); modrm(in, 1, 1); return;
            case 0xC1: set(in, Op.XADD, v); modrm(in, v, v); return;
            case 0xC7: {
                int r = modrm(in, v, v) >>> 3 & 7;
                set(in, r == 1 && in.mem ? Op.CMPXCHG16 : Op.UD, v == 8 ? 16 : 8);
                return;
            }
            default:
                in.op = Op.UD; // SYSCALL, SYSRET, UD2, SSE/MMX, VMX...
        }
    }

    private void group7(Insn in, int v) {
        int m = modrm(in, v, v);
        int r = m >>> 3 & 7;
        if (in.mem) {
            switch (r) {
                case 0: case 1: case 2: case 3: set(in, Op.DESC_TABLE, 8); in.sub = r; return;
                case 4: set(in, Op.SMSW, 2); return;
                case 6: set(in, Op.LMSW, 2); return;
                case 7: in.op = Op.INVLPG; return;
                default: in.op = Op.UD; return;
            }
        }
        int rm = m & 7;
        if (r == 4) {
            set(in, Op.SMSW, v);
        } else if (r == 6) {
            set(in, Op.LMSW, 2);
        } else if (r == 7 && rm == 0) {
            in.op = Op.SWAPGS;
        } else if (r == 7 && rm == 1) {
            in.op = Op.RDTSCP;
        } else {
            in.op = Op.UD; // MONITOR/MWAIT, XGETBV, VMCALL, CLAC/STAC...: not offered
        }
    }

    private static void set(Insn in, int op, int size) {
        in.op = op;
        in.size = size;
    }

    private static boolean isString(int op) {
        return op >= Op.MOVS && op <= Op.OUTS;
    }

    private static boolean lockable(Insn in) {
        if (!in.mem) {
            return false;
        }
        switch (in.op) {
            case Op.ALU_EG:
            case Op.ALU_EI:
                return in.sub != 7; // not CMP
            case Op.BT_EG:
            case Op.BT_EI:
                return in.sub != 0; // not BT
            case Op.INC: case Op.DEC: case Op.NOT: case Op.NEG: case Op.XCHG:
            case Op.CMPXCHG: case Op.CMPXCHG16: case Op.XADD:
                return true;
            default:
                return false;
        }
    }

    /** Whether the block must end after this operation: it transfers control or changes how code is fetched. */
    private static boolean endsBlock(int op) {
        switch (op) {
            case Op.UD: case Op.GP: case Op.JMP: case Op.JCC: case Op.JMP_E: case Op.CALL: case Op.CALL_E:
            case Op.RET: case Op.LOOP: case Op.JRCXZ: case Op.INT3: case Op.INTN: case Op.IRET: case Op.LRET:
            case Op.JMPF: case Op.CALLF: case Op.HLT: case Op.MOV_TO_CR: case Op.WRMSR: case Op.INVLPG:
            case Op.POPF: case Op.STI: case Op.OUT_I: case Op.OUT_DX: case Op.OUTS: case Op.LMSW: case Op.CLTS:
            case Op.MOV_SREG_E: case Op.POP_SREG: case Op.DESC_TABLE: case Op.SWAPGS:
                return true;
            default:
                return false;
        }
    }
}
