package org.altovirt.accel.emu;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns guest code into {@link Block}s: fetches from the instruction's physical page, decodes until
 * an instruction that ends a block (or {@link #MAX_INSNS}, or the page's end) and caches the block
 * by physical address. An instruction that straddles two pages, or code outside RAM, gets a
 * one-instruction block that is not cached (its bytes depend on two translations, or on a device).
 */
final class Translator {
    static final int MAX_INSNS = 64;
    /** Bytes copied per decode; a block that would run past them ends early and the next one picks up. */
    private static final int WINDOW = 512;

    private final Mmu mmu;
    private final PhysicalMemory phys;
    private final CodeCache code;
    private final Decoder decoder = new Decoder();
    private final byte[] buf = new byte[WINDOW + Decoder.MAX_LENGTH];
    private final List<Insn> list = new ArrayList<>(MAX_INSNS);

    Translator(Mmu mmu, CodeCache code) {
        this.mmu = mmu;
        this.phys = mmu.phys();
        this.code = code;
    }

    /**
     * The block at virtual {@code rip}, entered from {@code from} (null when not known): through
     * {@code from}'s links when it has been there before, else by lookup, linking it for next time.
     */
    Block next(Block from, long rip) {
        if (from != null && from.linkGeneration == code.generation) {
            Block b = from.linkRip0 == rip ? from.link0 : from.linkRip1 == rip ? from.link1 : null;
            if (b != null && b.valid) {
                return b;
            }
        }
        Block b = blockAt(rip);
        if (from != null && b.cached) {
            if (from.linkGeneration != code.generation) {
                from.linkGeneration = code.generation;
                from.link0 = null;
                from.link1 = null;
            }
            if (from.link0 == null || from.linkRip0 == rip) {
                from.linkRip0 = rip;
                from.link0 = b;
            } else {
                from.linkRip1 = rip;
                from.link1 = b;
            }
        }
        return b;
    }

    /** The block at virtual {@code rip}; raises #PF/#GP when the code cannot be fetched. */
    Block blockAt(long rip) {
        Block b = code.lookup(rip);
        if (b != null) {
            return b;
        }
        long pa = mmu.fetchAddress(rip);
        b = code.get(pa);
        if (b == null) {
            b = translate(rip, pa);
            if (b == null) {
                return single(rip, pa);
            }
            b.cached = true;
            code.add(b);
        }
        code.remember(rip, b);
        return b;
    }

    /** Decodes the block at {@code pa}, or returns null when its first instruction needs an uncached block. */
    private Block translate(long rip, long pa) {
        int toPageEnd = 4096 - (int) (pa & 0xFFF);
        int window = Math.min(toPageEnd, WINDOW);
        int n = phys.copyOut(pa, buf, 0, window);
        if (n < window) {
            return null; // not (all) RAM
        }
        list.clear();
        int pos = 0;
        while (true) {
            Insn in;
            try {
                in = decoder.decode(buf, pos, n);
            } catch (Decoder.Incomplete e) {
                if (list.isEmpty()) {
                    return null; // straddles the page end
                }
                break;
            }
            pos += in.len;
            in.next = pos;
            list.add(in);
            if (in.ends || list.size() >= MAX_INSNS || pos >= n) {
                break;
            }
        }
        int last = list.size() - 1;
        Insn end = list.get(last);
        if (last > 0 && end.op == Op.JCC && fusable(list.get(last - 1))) {
            // The flag producer before a closing Jcc carries it: one dispatch less per loop turn.
            Insn producer = list.get(last - 1);
            producer.next = end.next;
            producer.len += end.len;
            producer.needsRip = true;
            list.remove(last);
            return new Block(pa, list.toArray(new Insn[0]), pos, end.sub, end.imm);
        }
        end.needsRip = true; // RIP must be right when the block is left
        return new Block(pa, list.toArray(new Insn[0]), pos);
    }

    /** A producer that cannot fault, so the fused pair is all-or-nothing. */
    private static boolean fusable(Insn in) {
        switch (in.op) {
            case Op.ALU64_RR: case Op.ALU64_RI: case Op.ALU32_RR: case Op.ALU32_RI:
            case Op.TEST_RR: case Op.INC_R: case Op.DEC_R:
                return true;
            default:
                return false;
        }
    }

    /** One instruction fetched byte by byte through the MMU (and the bus, outside RAM); never cached. */
    private Block single(long rip, long pa) {
        int have = 0;
        for (; have < Decoder.MAX_LENGTH; have++) {
            long a = rip + have;
            long p = (a >>> 12) == (rip >>> 12) ? pa + have : mmu.fetchAddress(a);
            buf[have] = (byte) phys.read(p, 1);
            if (have + 1 < Decoder.MAX_LENGTH && ((a + 1) & 0xFFF) == 0) {
                // Only fetch from the next page when the instruction really continues there.
                try {
                    Insn in = decoder.decode(buf, 0, have + 1);
                    return oneInsn(pa, in);
                } catch (Decoder.Incomplete e) {
                    // needs bytes from the next page
                }
            }
        }
        return oneInsn(pa, decoder.decode(buf, 0, have));
    }

    private static Block oneInsn(long pa, Insn in) {
        in.next = in.len;
        in.needsRip = true;
        return new Block(pa, new Insn[] {in}, in.len);
    }
}
