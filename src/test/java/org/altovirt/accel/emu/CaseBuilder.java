package org.altovirt.accel.emu;

import java.util.Random;

/**
 * The building blocks of {@link CaseGenerator}: the case under construction, register and memory
 * operands (memory always inside the image's scratch area, through a base register, an index or
 * RIP), and values and immediates that favour the edges of their size.
 */
abstract class CaseBuilder {
    static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    static final String[] HIGH8 = {"ah", "ch", "dh", "bh"};
    static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
    static final int[] SIZES = {1, 2, 4, 8};
    static final long A = CpuState.AF, O = CpuState.OF, C = CpuState.CF, Z = CpuState.ZF;
    static final long S = CpuState.SF, P = CpuState.PF;

    final Random rnd;
    DiffCase c;
    /** Registers already used by the case being built (no two operands share one by accident). */
    int used;

    CaseBuilder(long seed) {
        rnd = new Random(seed);
    }

    // ---- building blocks ----

    DiffCase start(String text) {
        c = new DiffCase(text);
        used = 1 << CpuState.RSP;
        for (int i = 0; i < 16; i++) {
            c.regs[i] = value(8);
        }
        c.flags = 0x202 | (rnd.nextLong() & CpuState.ARITH);
        return c;
    }

    static final java.util.regex.Pattern HIGH = java.util.regex.Pattern.compile("%[abcd]h\\b");
    static final java.util.regex.Pattern REX = java.util.regex.Pattern.compile(
            "%r(8|9|1[0-5])|%(spl|bpl|sil|dil)\\b|^\\w+q\\s");

    /** The finished case, or null when it pairs AH..BH with something that needs a REX prefix (no encoding). */
    DiffCase done(String text) {
        c.text = text;
        if (HIGH.matcher(text).find() && REX.matcher(text).find()) {
            return null;
        }
        return c;
    }

    static long mask(int size) {
        return size == 8 ? -1L : (1L << (8 * size)) - 1;
    }

    /** A value favouring the edges of {@code size}, with random bits above it. */
    long value(int size) {
        long m = mask(size);
        long sign = 1L << (8 * size - 1);
        long low;
        switch (rnd.nextInt(14)) {
            case 0: low = 0; break;
            case 1: low = 1; break;
            case 2: low = m; break;
            case 3: low = sign; break;
            case 4: low = sign - 1; break;
            case 5: low = sign + 1; break;
            case 6: low = m - 1; break;
            case 7: low = 0x7F + rnd.nextInt(3); break;
            case 8: low = rnd.nextInt(17); break;
            case 9: low = -rnd.nextInt(17); break;
            case 10: low = 0xFFFF + rnd.nextInt(3) - 1; break;
            case 11: low = 0x8000_0000L + rnd.nextInt(3) - 1; break;
            default: low = rnd.nextLong();
        }
        return (rnd.nextLong() & ~m) | (low & m);
    }

    int size() {
        return SIZES[rnd.nextInt(4)];
    }

    int size(int... allowed) {
        return allowed[rnd.nextInt(allowed.length)];
    }

    static String suffix(int size) {
        return switch (size) {
            case 1 -> "b";
            case 2 -> "w";
            case 4 -> "l";
            default -> "q";
        };
    }

    static String name(int reg, int size) {
        return "%" + switch (size) {
            case 1 -> reg >= 16 ? HIGH8[reg - 16] : R8[reg];
            case 2 -> R16[reg];
            case 4 -> R32[reg];
            default -> R64[reg];
        };
    }

    /** A free register (not RSP, not used yet by this case). */
    int reg() {
        while (true) {
            int r = rnd.nextInt(16);
            if ((used & (1 << r)) == 0) {
                used |= 1 << r;
                return r;
            }
        }
    }

    int reg(int r) {
        used |= 1 << r;
        return r;
    }

    /** A register operand of {@code size}: sometimes AH..BH for bytes, when {@code highOk}. */
    String regOperand(int size, boolean highOk, int[] chosen) {
        if (size == 1 && highOk && rnd.nextInt(4) == 0) {
            for (int tries = 0; tries < 8; tries++) {
                int r = rnd.nextInt(4);
                if ((used & (1 << r)) == 0) {
                    used |= 1 << r;
                    chosen[0] = 16 + r;
                    return name(16 + r, 1);
                }
            }
        }
        int r = reg();
        chosen[0] = r;
        return name(r, size);
    }

    String regOperand(int size) {
        return regOperand(size, false, new int[1]);
    }

    String imm(int size) {
        long v = value(size);
        return switch (size) {
            case 1 -> "$" + (byte) v;
            case 2 -> "$" + (short) v;
            default -> "$" + (int) v; // 64-bit operations take a sign-extended 32-bit immediate
        };
    }

    boolean alignedOnly;

    String alignedMem(int size) {
        alignedOnly = true;
        try {
            return mem(size);
        } finally {
            alignedOnly = false;
        }
    }

    /** A memory operand in scratch, through a base register (or RIP), sometimes with an index. */
    String mem(int size) {
        if (c.scratch == null) {
            c.scratch = new long[DiffCase.SCRATCH_QWORDS];
            for (int i = 0; i < c.scratch.length; i++) {
                c.scratch[i] = value(8);
            }
        }
        int d = rnd.nextInt(96) - 48;
        if (alignedOnly || rnd.nextInt(3) != 0) {
            d &= ~(size - 1);
        }
        int form = rnd.nextInt(4);
        if (form == 0) {
            return "scratch+" + (64 + d) + "(%rip)";
        }
        int base = baseRegister();
        if (form == 1) {
            return d + "(" + "%" + R64[base] + ")";
        }
        int index = reg();
        int scale = 1 << rnd.nextInt(4);
        long k = rnd.nextInt(5) - 2;
        c.regs[index] = k;
        return (d - k * scale) + "(%" + R64[base] + ",%" + R64[index] + "," + scale + ")";
    }

    int baseRegister() {
        for (int r = 0; r < 16; r++) {
            if ((c.addressRegs & (1 << r)) != 0 && c.addressInit[r] == 64) {
                return r;
            }
        }
        int base = reg();
        address(base, 64);
        return base;
    }

    /** Makes {@code r} point {@code offset} bytes into scratch. */
    void address(int r, int offset) {
        used |= 1 << r;
        c.addressRegs |= 1 << r;
        c.addressInit[r] = offset;
        if (c.scratch == null) {
            c.scratch = new long[DiffCase.SCRATCH_QWORDS];
            for (int i = 0; i < c.scratch.length; i++) {
                c.scratch[i] = value(8);
            }
        }
    }

    <T> T pick(T[] options) {
        return options[rnd.nextInt(options.length)];
    }
}
