package org.altovirt.accel.emu;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes random {@link DiffCase}s over the instructions gcc -O2 emits for freestanding code: every
 * ALU form and size, shifts and rotates with edge counts, multiply and divide (only the divisions
 * that do not fault), bit operations, condition codes after each kind of flag producer, moves and
 * extensions, exchanges, string operations with REP and both directions, stack and loop
 * instructions. Operand values favour the edges: 0, 1, -1, MIN, MAX and the sign boundaries.
 */
final class CaseGenerator extends CaseBuilder {
    CaseGenerator(long seed) {
        super(seed);
    }

    List<DiffCase> generate(int n) {
        List<DiffCase> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out;
    }

    private DiffCase next() {
        while (true) {
            DiffCase d = any();
            if (d != null) {
                return d;
            }
        }
    }

    private DiffCase any() {
        int k = rnd.nextInt(100);
        if (k < 22) return alu();
        if (k < 28) return unary();
        if (k < 42) return shift();
        if (k < 47) return doubleShift();
        if (k < 55) return mulDiv();
        if (k < 62) return bitOps();
        if (k < 74) return condition();
        if (k < 84) return moves();
        if (k < 90) return string();
        if (k < 93) return flagsOps();
        if (k < 96) return loops();
        return stack();
    }

    // ---- families ----

    private DiffCase alu() {
        start("");
        String op = pick(new String[] {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"});
        boolean logic = op.equals("or") || op.equals("and") || op.equals("xor") || op.equals("test");
        c.flagMask = logic ? CpuState.ARITH & ~A | CpuState.DF : CpuState.ARITH | CpuState.DF;
        int size = size();
        String sfx = suffix(size);
        int[] r = new int[1];
        String text;
        switch (rnd.nextInt(5)) {
            case 0: {
                String a = regOperand(size, true, r);
                boolean high = r[0] >= 16;
                String b = high ? name(16 + freeLow(), 1) : regOperand(size, r[0] < 4, r);
                text = op + sfx + " " + a + ", " + b;
                break;
            }
            case 1: text = op + sfx + " " + imm(size) + ", " + regOperand(size, true, r); break;
            case 2: text = op + sfx + " " + mem(size) + ", " + regOperand(size, true, r); break;
            case 3: text = op + sfx + " " + regOperand(size, true, r) + ", " + mem(size); break;
            default: text = op + sfx + " " + imm(size) + ", " + mem(size);
        }
        if (op.equals("test") && text.contains("(") && text.indexOf('(') < text.indexOf(',')) {
            // TEST has no mem, reg form in AT&T order other than reg, mem: swap the operands
            String[] parts = text.substring(op.length() + 2).split(", ");
            text = op + sfx + " " + parts[1] + ", " + parts[0];
        }
        return done(text);
    }

    private int freeLow() {
        for (int tries = 0; tries < 16; tries++) {
            int r = rnd.nextInt(4);
            if ((used & (1 << r)) == 0) {
                used |= 1 << r;
                return r;
            }
        }
        used |= 1;
        return 0;
    }

    private DiffCase unary() {
        start("");
        String op = pick(new String[] {"inc", "dec", "neg", "not"});
        int size = size();
        int[] r = new int[1];
        String operand = rnd.nextInt(3) == 0 ? mem(size) : regOperand(size, true, r);
        return done(op + suffix(size) + " " + operand);
    }

    private int count(int size) {
        int w = size * 8;
        int[] edges = {0, 1, 2, w - 1, w, w + 1, 2 * w - 1, 31, 32, 33, 63, 64, 255, rnd.nextInt(256)};
        return edges[rnd.nextInt(edges.length)] & 0xFF;
    }

    private DiffCase shift() {
        start("");
        String op = pick(new String[] {"shl", "shr", "sar", "rol", "ror", "rcl", "rcr", "sal"});
        int size = size();
        int w = size * 8;
        int[] r = new int[1];
        int form = rnd.nextInt(3);
        int count = form == 0 ? 1 : count(size);
        String countText;
        if (form == 2) {
            reg(CpuState.RCX);
            c.regs[CpuState.RCX] = (c.regs[CpuState.RCX] & ~0xFFL) | count;
            countText = "%cl, ";
        } else {
            countText = form == 0 ? "" : "$" + count + ", ";
        }
        String operand = rnd.nextInt(3) == 0 ? mem(size) : regOperand(size, true, r);
        int masked = count & (size == 8 ? 63 : 31);
        long undefined = 0;
        if (masked != 0) {
            boolean rotate = op.equals("rol") || op.equals("ror") || op.equals("rcl") || op.equals("rcr");
            if (!rotate) {
                undefined |= A;
                if ((op.equals("shl") || op.equals("sal") || op.equals("shr")) && masked >= w) {
                    undefined |= C;
                }
            }
            if (masked != 1) {
                undefined |= O;
            }
        }
        c.flagMask = (CpuState.ARITH | CpuState.DF) & ~undefined;
        return done(op + suffix(size) + " " + countText + operand);
    }

    private DiffCase doubleShift() {
        start("");
        String op = rnd.nextBoolean() ? "shld" : "shrd";
        int size = size(2, 4, 8);
        int count = count(size);
        if (size == 2 && (count & 31) > 16) {
            count = rnd.nextInt(17);
        }
        String countText;
        if (rnd.nextBoolean()) {
            reg(CpuState.RCX);
            c.regs[CpuState.RCX] = (c.regs[CpuState.RCX] & ~0xFFL) | count;
            countText = "%cl";
        } else {
            countText = "$" + count;
        }
        String src = regOperand(size);
        String dst = rnd.nextInt(3) == 0 ? mem(size) : regOperand(size);
        int masked = count & (size == 8 ? 63 : 31);
        c.flagMask = masked == 0 ? CpuState.ARITH | CpuState.DF
                : (CpuState.ARITH | CpuState.DF) & ~A & ~(masked != 1 ? O : 0);
        return done(op + suffix(size) + " " + countText + ", " + src + ", " + dst);
    }

    private DiffCase mulDiv() {
        start("");
        int size = size();
        int k = rnd.nextInt(5);
        if (k <= 1) { // MUL, one-operand IMUL: CF and OF defined
            reg(CpuState.RAX);
            reg(CpuState.RDX);
            String src = rnd.nextInt(3) == 0 ? mem(size) : regOperand(size);
            c.flagMask = C | O | CpuState.DF;
            return done((k == 0 ? "mul" : "imul") + suffix(size) + " " + src);
        }
        if (k == 2) { // two- and three-operand IMUL
            size = size(2, 4, 8);
            String src = rnd.nextInt(3) == 0 ? mem(size) : regOperand(size);
            String dst = regOperand(size);
            c.flagMask = C | O | CpuState.DF;
            if (rnd.nextBoolean()) {
                return done("imul" + suffix(size) + " " + imm(size) + ", " + src + ", " + dst);
            }
            return done("imul" + suffix(size) + " " + src + ", " + dst);
        }
        // DIV, IDIV: dividend and divisor chosen so the quotient fits (no #DE)
        boolean signed = k == 4;
        reg(CpuState.RAX);
        reg(CpuState.RDX);
        int w = size * 8;
        BigInteger two = BigInteger.TWO;
        long dv;
        BigInteger d;
        do {
            dv = value(size);
            d = signed ? BigInteger.valueOf(CpuState.sext(dv, size)) : new BigInteger(Long.toUnsignedString(dv & mask(size)));
        } while (d.signum() == 0);
        BigInteger q;
        BigInteger rem;
        if (signed) {
            q = BigInteger.valueOf(CpuState.sext(value(size), size));
            BigInteger ad = d.abs();
            rem = new BigInteger(ad.bitLength() + 8, rnd).mod(ad);
            if (q.multiply(d).signum() < 0) {
                rem = rem.negate();
            }
        } else {
            q = new BigInteger(Long.toUnsignedString(value(size) & mask(size)));
            rem = new BigInteger(d.bitLength() + 8, rnd).mod(d);
        }
        BigInteger n = q.multiply(d).add(rem);
        BigInteger low = n.mod(two.pow(w));
        BigInteger high = n.shiftRight(w).mod(two.pow(w));
        if (size == 1) {
            long ax = n.mod(two.pow(16)).longValue();
            c.regs[CpuState.RAX] = (c.regs[CpuState.RAX] & ~0xFFFFL) | ax;
        } else {
            c.regs[CpuState.RAX] = (c.regs[CpuState.RAX] & ~mask(size)) | low.longValue();
            c.regs[CpuState.RDX] = (c.regs[CpuState.RDX] & ~mask(size)) | high.longValue();
        }
        String src;
        if (rnd.nextInt(3) == 0) {
            // the divisor lives in scratch: in every slot, so wherever mem() points reads it
            src = alignedMem(size);
            java.util.Arrays.fill(c.scratch, repeat(dv, size));
        } else {
            int r = reg();
            c.regs[r] = (c.regs[r] & ~mask(size)) | (dv & mask(size));
            src = name(r, size);
        }
        c.flagMask = CpuState.DF; // all arithmetic flags are undefined after DIV/IDIV
        return done((signed ? "idiv" : "div") + suffix(size) + " " + src);
    }

    /** {@code v}'s low {@code size} bytes repeated across 8 bytes (any aligned read of that size sees v). */
    private static long repeat(long v, int size) {
        long m = mask(size);
        long out = 0;
        for (int i = 0; i < 8; i += size) {
            out |= (v & m) << (8 * i);
        }
        return out;
    }

    private DiffCase bitOps() {
        start("");
        int k = rnd.nextInt(6);
        if (k <= 2) {
            String op = pick(new String[] {"bt", "bts", "btr", "btc"});
            int size = size(2, 4, 8);
            c.flagMask = C | Z | CpuState.DF;
            if (k == 0) {
                return done(op + suffix(size) + " " + regOperand(size) + ", " + regOperand(size));
            }
            if (k == 1) {
                String dst = rnd.nextBoolean() ? mem(size) : regOperand(size);
                return done(op + suffix(size) + " $" + rnd.nextInt(256) + ", " + dst);
            }
            int off = reg();
            c.regs[off] = (c.regs[off] & ~mask(size)) | ((rnd.nextInt(512) - 256) & mask(size));
            int base = baseRegister();
            return done(op + suffix(size) + " " + name(off, size) + ", (%" + R64[base] + ")");
        }
        if (k == 3) {
            int size = size(2, 4, 8);
            String op = rnd.nextBoolean() ? "bsf" : "bsr";
            int src = reg();
            if (rnd.nextInt(6) == 0) {
                c.regs[src] &= ~mask(size);
            }
            c.flagMask = Z | CpuState.DF;
            return done(op + suffix(size) + " " + name(src, size) + ", " + regOperand(size));
        }
        if (k == 4) {
            int size = size(2, 4, 8);
            String src = rnd.nextInt(3) == 0 ? mem(size) : regOperand(size);
            return done("popcnt" + suffix(size) + " " + src + ", " + regOperand(size));
        }
        int size = size(4, 8);
        return done("bswap " + regOperand(size));
    }

    /** A flag producer, then SETcc, CMOVcc or Jcc reading one condition. */
    private DiffCase condition() {
        start("");
        String[] producers = {"", "add", "sub", "cmp", "adc", "sbb", "and", "or", "xor", "test", "inc", "dec", "neg",
            "shl", "shr", "sar"};
        String p = pick(producers);
        int size = size();
        int[] r = new int[1];
        String first;
        long undefined = 0;
        switch (p) {
            case "":
                first = "";
                break;
            case "inc": case "dec": case "neg":
                first = p + suffix(size) + " " + regOperand(size) + "\n";
                break;
            case "shl": case "shr": case "sar":
                first = p + suffix(size) + " " + regOperand(size) + "\n";
                undefined = A;
                break;
            default: {
                int d = reg();
                String src;
                if (rnd.nextInt(3) == 0) {
                    src = imm(size);
                } else {
                    int s = reg();
                    if (rnd.nextInt(3) == 0) {
                        c.regs[s] = c.regs[d]; // equal operands: ZF and the equal side of every condition
                    }
                    src = name(s, size);
                }
                first = p + suffix(size) + " " + src + ", " + name(d, size) + "\n";
                if (p.equals("and") || p.equals("or") || p.equals("xor") || p.equals("test")) {
                    undefined = A;
                }
            }
        }
        c.flagMask = (CpuState.ARITH | CpuState.DF) & ~undefined;
        String cc = CC[rnd.nextInt(16)];
        String second;
        switch (rnd.nextInt(3)) {
            case 0:
                second = "set" + cc + " " + (rnd.nextInt(4) == 0 ? mem(1) : regOperand(1, true, r));
                break;
            case 1: {
                int s = size(2, 4, 8);
                String src = rnd.nextInt(3) == 0 ? mem(s) : regOperand(s);
                second = "cmov" + cc + suffix(s) + " " + src + ", " + regOperand(s);
                break;
            }
            default:
                second = "j" + cc + " 1f\nmovq $1, " + regOperand(8) + "\n1:";
        }
        return done(first + second);
    }

    private DiffCase moves() {
        start("");
        int k = rnd.nextInt(10);
        switch (k) {
            case 0: {
                String[] ext = {"movzbw", "movzbl", "movzbq", "movzwl", "movzwq", "movsbw", "movsbl", "movsbq",
                    "movswl", "movswq", "movslq"};
                String op = pick(ext);
                int from = op.charAt(4) == 'b' ? 1 : op.charAt(4) == 'w' ? 2 : 4;
                int to = op.charAt(5) == 'w' ? 2 : op.charAt(5) == 'l' ? 4 : 8;
                int[] r = new int[1];
                String src = rnd.nextInt(3) == 0 ? mem(from) : regOperand(from, true, r);
                int dst = reg();
                return done(op + " " + src + ", " + name(dst, to));
            }
            case 1: {
                int size = size();
                int[] r = new int[1];
                String a = regOperand(size, true, r);
                String b = r[0] >= 16 ? name(16 + freeLow(), 1) : regOperand(size, r[0] < 4, r);
                if (rnd.nextBoolean()) {
                    return done("mov" + suffix(size) + " " + a + ", " + b);
                }
                return done("mov" + suffix(size) + " " + imm(size) + ", " + (rnd.nextBoolean() ? b : mem(size)));
            }
            case 2:
                return done(pick(new String[] {"cbtw", "cwtl", "cltq", "cwtd", "cltd", "cqto"}));
            case 3: {
                int size = size();
                String a = regOperand(size);
                return done("xchg" + suffix(size) + " " + a + ", " + (rnd.nextBoolean() ? regOperand(size) : mem(size)));
            }
            case 4: {
                int size = size();
                reg(CpuState.RAX);
                String src = regOperand(size);
                String dst = rnd.nextBoolean() ? regOperand(size) : mem(size);
                if (rnd.nextBoolean()) { // make the compare succeed
                    if (dst.startsWith("%")) {
                        for (int i = 0; i < 16; i++) {
                            if (dst.equals(name(i, size))) {
                                c.regs[i] = c.regs[CpuState.RAX];
                            }
                        }
                    } else {
                        java.util.Arrays.fill(c.scratch, repeat(c.regs[CpuState.RAX], size));
                    }
                }
                return done("cmpxchg" + suffix(size) + " " + src + ", " + dst);
            }
            case 5: {
                int size = size();
                String src = regOperand(size);
                return done("xadd" + suffix(size) + " " + src + ", " + (rnd.nextBoolean() ? regOperand(size) : mem(size)));
            }
            case 6: {
                int size = size(2, 4, 8);
                int b = reg();
                int i = reg();
                int scale = 1 << rnd.nextInt(4);
                String disp = Integer.toString((int) value(4));
                if (rnd.nextInt(4) == 0) {
                    return done("lea" + suffix(size) + " " + disp + "(%" + R32[b] + ",%" + R32[i] + "," + scale + "), " + regOperand(size));
                }
                return done("lea" + suffix(size) + " " + disp + "(%" + R64[b] + ",%" + R64[i] + "," + scale + "), " + regOperand(size));
            }
            case 7: {
                boolean wide = rnd.nextBoolean();
                reg(CpuState.RAX);
                reg(CpuState.RDX);
                reg(CpuState.RBX);
                reg(CpuState.RCX);
                int base = baseRegister();
                if (rnd.nextBoolean()) {
                    c.scratch[8] = c.regs[CpuState.RAX];
                    c.scratch[9] = c.regs[CpuState.RDX];
                    if (!wide) {
                        c.scratch[8] = (c.regs[CpuState.RDX] << 32) | (c.regs[CpuState.RAX] & 0xFFFF_FFFFL);
                    }
                }
                c.flagMask = Z | CpuState.DF;
                return done((wide ? "cmpxchg16b" : "cmpxchg8b") + " (%" + R64[base] + ")");
            }
            case 8: {
                reg(CpuState.RAX);
                address(reg(CpuState.RBX), 0);
                c.regs[CpuState.RAX] = (c.regs[CpuState.RAX] & ~0xFFL) | rnd.nextInt(128);
                return done("xlat");
            }
            default: {
                int size = size(4, 8);
                return done("mov" + suffix(size) + " " + mem(size) + ", " + regOperand(size));
            }
        }
    }

    private DiffCase string() {
        start("");
        String op = pick(new String[] {"movs", "stos", "lods", "cmps", "scas"});
        int size = size();
        boolean down = rnd.nextBoolean();
        String rep = "";
        if (rnd.nextInt(4) != 0) {
            rep = op.equals("cmps") || op.equals("scas") ? pick(new String[] {"repe ", "repne "}) : "rep ";
        }
        int n = rep.isEmpty() ? 1 : rnd.nextInt(7);
        reg(CpuState.RAX);
        reg(CpuState.RCX);
        if (!rep.isEmpty()) {
            c.regs[CpuState.RCX] = n;
        }
        int span = 8 * 6;
        int srcOff = down ? 64 - size - rnd.nextInt(8) : rnd.nextInt(8);
        int dstOff = down ? 128 - size - rnd.nextInt(8) : 64 + rnd.nextInt(8);
        if (span > 64) {
            throw new IllegalStateException("scratch too small");
        }
        address(reg(CpuState.RSI), srcOff);
        address(reg(CpuState.RDI), dstOff);
        if (rnd.nextBoolean()) { // similar data on both sides so REPE/REPNE and SCAS stop at varied places
            long v = repeat(c.regs[CpuState.RAX], size);
            for (int i = 0; i < c.scratch.length; i++) {
                if (rnd.nextInt(3) != 0) {
                    c.scratch[i] = v;
                }
            }
        }
        if (down) {
            c.flags |= CpuState.DF;
        }
        c.flagMask = CpuState.ARITH | CpuState.DF;
        return done(rep + op + suffix(size));
    }

    private DiffCase flagsOps() {
        start("");
        switch (rnd.nextInt(6)) {
            case 0: return done("lahf");
            case 1: return done("sahf");
            case 2: return done("cmc");
            case 3: return done(rnd.nextBoolean() ? "clc" : "stc");
            case 4: return done("pushfq\npopq " + regOperand(8));
            default: {
                long f = 0x202 | (rnd.nextLong() & (CpuState.ARITH | CpuState.DF));
                return done("pushq $0x" + Long.toHexString(f) + "\npopfq");
            }
        }
    }

    private DiffCase loops() {
        start("");
        reg(CpuState.RCX);
        int counter = reg();
        switch (rnd.nextInt(4)) {
            case 0:
                c.regs[CpuState.RCX] = 1 + rnd.nextInt(5);
                return done("2: inc" + "q " + name(counter, 8) + "\nloop 2b");
            case 1: {
                c.regs[CpuState.RCX] = 1 + rnd.nextInt(5);
                int limit = reg();
                c.regs[limit] = c.regs[counter] + rnd.nextInt(4);
                String op = rnd.nextBoolean() ? "loopne" : "loope";
                return done("2: incq " + name(counter, 8) + "\ncmpq " + name(limit, 8) + ", " + name(counter, 8) + "\n" + op + " 2b");
            }
            case 2:
                c.regs[CpuState.RCX] = rnd.nextBoolean() ? 0 : rnd.nextBoolean() ? 1 : 1L << 32;
                return done((rnd.nextBoolean() ? "jrcxz" : "jecxz") + " 1f\nmovq $7, " + name(counter, 8) + "\n1:");
            default:
                return done("jmp 1f\nmovq $7, " + name(counter, 8) + "\n1:");
        }
    }

    private DiffCase stack() {
        start("");
        switch (rnd.nextInt(5)) {
            case 0: return done("pushq " + regOperand(8) + "\npopq " + regOperand(8));
            case 1: return done("pushq " + imm(4) + "\npopq " + regOperand(8));
            case 2: return done("pushw " + regOperand(2) + "\npopw " + regOperand(2));
            case 3: return done("pushq " + mem(8) + "\npopq " + mem(8));
            default: {
                reg(CpuState.RBP);
                return done("enter $" + (rnd.nextInt(4) * 8) + ", $" + rnd.nextInt(2) + "\nleave");
            }
        }
    }
}
