package org.altovirt.accel.emu;

import jnr.ffi.Pointer;
import org.altovirt.bus.Bus;

/**
 * String instructions (MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS) with REP/REPE/REPNE, and port I/O
 * through the port bus. A REP instruction runs at most {@link #CHUNK} iterations per execution and
 * then leaves RIP on itself, so a long copy neither delays a kick nor loses progress: RCX, RSI and
 * RDI always say how far it got, also when an iteration faults. Forward REP MOVS and REP STOS
 * within RAM (memcpy, memset, page zeroing) go a page-sized chunk at a time, with the same
 * translation, faults and code-change checks as single iterations.
 */
final class StringOps {
    static final int CHUNK = 1 << 14;
    private static final int REPE = 0xF3, REPNE = 0xF2;

    private final Executor x;
    private final CpuState s;
    private final Mmu mmu;
    private final Bus pio;

    StringOps(Executor x, Bus pio) {
        this.x = x;
        this.s = x.s;
        this.mmu = x.mmu;
        this.pio = pio;
    }

    private long src(Insn in) {
        return x.segment(in, Executor.addr(in, s.r[CpuState.RSI]));
    }

    private static long dst(Insn in, CpuState s) {
        return Executor.addr(in, s.r[CpuState.RDI]); // ES: base 0 in 64-bit mode, no override
    }

    private void advance(Insn in, int reg, long step) {
        long v = s.r[reg] + step;
        s.r[reg] = in.addr32 ? v & 0xFFFF_FFFFL : v;
    }

    private long count(Insn in) {
        return in.addr32 ? s.r[CpuState.RCX] & 0xFFFF_FFFFL : s.r[CpuState.RCX];
    }

    private long step(Insn in) {
        return s.df() ? -in.size : in.size;
    }

    /** Leaves RIP on the instruction so that it runs again for the remaining iterations. */
    private void again(Insn in) {
        s.rip -= in.len;
    }

    /** Bytes a REP MOVS/STOS moves in bulk per execution before it lets the block loop look at kicks. */
    private static final long BULK_BUDGET = 1 << 20;

    void movs(Insn in) {
        int size = in.size;
        long step = step(in);
        if (in.rep == 0) {
            mmu.write(dst(in, s), size, mmu.read(src(in), size));
            advance(in, CpuState.RSI, step);
            advance(in, CpuState.RDI, step);
            return;
        }
        long n = count(in);
        if (step > 0 && !in.addr32) {
            long moved = 0;
            while (n != 0) {
                if (moved >= BULK_BUDGET) {
                    again(in);
                    return;
                }
                long from = src(in);
                long to = dst(in, s);
                long chunk = Math.min(n, Math.min(4096 - (from & 0xFFF), 4096 - (to & 0xFFF)) / size);
                if (chunk < 2 || !copy(from, to, chunk * size)) {
                    break; // an element across a page end, device memory or an overlap: one at a time
                }
                long bytes = chunk * size;
                s.r[CpuState.RSI] += bytes;
                s.r[CpuState.RDI] += bytes;
                s.r[CpuState.RCX] -= chunk;
                n -= chunk;
                moved += bytes;
            }
        }
        for (int budget = CHUNK; n != 0; budget--) {
            if (budget == 0) {
                again(in);
                return;
            }
            mmu.write(dst(in, s), size, mmu.read(src(in), size));
            advance(in, CpuState.RSI, step);
            advance(in, CpuState.RDI, step);
            advance(in, CpuState.RCX, -1);
            n--;
        }
    }

    void stos(Insn in) {
        int size = in.size;
        long step = step(in);
        long v = s.r[CpuState.RAX];
        if (in.rep == 0) {
            mmu.write(dst(in, s), size, v);
            advance(in, CpuState.RDI, step);
            return;
        }
        long n = count(in);
        if (step > 0 && !in.addr32) {
            long stored = 0;
            while (n != 0) {
                if (stored >= BULK_BUDGET) {
                    again(in);
                    return;
                }
                long to = dst(in, s);
                long chunk = Math.min(n, (4096 - (to & 0xFFF)) / size);
                if (chunk < 2 || !fill(to, chunk, size, v)) {
                    break;
                }
                long bytes = chunk * size;
                s.r[CpuState.RDI] += bytes;
                s.r[CpuState.RCX] -= chunk;
                n -= chunk;
                stored += bytes;
            }
        }
        for (int budget = CHUNK; n != 0; budget--) {
            if (budget == 0) {
                again(in);
                return;
            }
            mmu.write(dst(in, s), size, v);
            advance(in, CpuState.RDI, step);
            advance(in, CpuState.RCX, -1);
            n--;
        }
    }

    /**
     * Copies {@code len} bytes (within one page on each side) from linear {@code from} to {@code to}
     * when both are RAM and do not overlap; false (nothing done) otherwise. Faults as the first
     * element's accesses would.
     */
    private boolean copy(long from, long to, long len) {
        long ps = mmu.translate(from, Mmu.READ);
        long pd = mmu.translate(to, Mmu.WRITE);
        PhysicalMemory phys = mmu.phys();
        int rs = phys.region(ps, len);
        int rd = phys.region(pd, len);
        if (rs < 0 || rd < 0) {
            return false;
        }
        long os = phys.offset(rs, ps);
        long od = phys.offset(rd, pd);
        if (rs == rd && Math.abs(od - os) < len) {
            return false; // overlapping: element order matters
        }
        phys.view(rs).transferTo(os, phys.view(rd), od, len);
        x.code.written(pd, (int) len);
        return true;
    }

    /** Stores {@code count} elements of {@code value} from linear {@code to} (one page) when it is RAM. */
    private boolean fill(long to, long count, int size, long value) {
        long pd = mmu.translate(to, Mmu.WRITE);
        PhysicalMemory phys = mmu.phys();
        long len = count * size;
        int rd = phys.region(pd, len);
        if (rd < 0) {
            return false;
        }
        Pointer view = phys.view(rd);
        long od = phys.offset(rd, pd);
        long pattern = value & CpuState.mask(size);
        if (size == 1 || pattern == 0) {
            view.setMemory(od, len, (byte) pattern);
        } else {
            for (long k = 0; k < count; k++) {
                PhysicalMemory.put(view, od + k * size, size, pattern);
            }
        }
        x.code.written(pd, (int) len);
        return true;
    }

    void lods(Insn in) {
        int size = in.size;
        long step = step(in);
        long n = in.rep == 0 ? 1 : count(in);
        for (int budget = CHUNK; n != 0; budget--) {
            if (budget == 0) {
                again(in);
                return;
            }
            s.setReg(CpuState.RAX, size, mmu.read(src(in), size));
            advance(in, CpuState.RSI, step);
            n--;
            if (in.rep != 0) {
                advance(in, CpuState.RCX, -1);
            }
        }
    }

    /** CMPS compares [RSI] with [RDI] (flags of [RSI] - [RDI]); REPE stops on a difference, REPNE on equality. */
    void cmps(Insn in) {
        int size = in.size;
        long step = step(in);
        long n = in.rep == 0 ? 1 : count(in);
        for (int budget = CHUNK; n != 0; budget--) {
            if (budget == 0) {
                again(in);
                return;
            }
            long a = mmu.read(src(in), size);
            long b = mmu.read(dst(in, s), size);
            advance(in, CpuState.RSI, step);
            advance(in, CpuState.RDI, step);
            x.f.record(Flags.SUB, size, a, b, (a - b) & CpuState.mask(size));
            n--;
            if (in.rep != 0) {
                advance(in, CpuState.RCX, -1);
                if ((in.rep == REPE) != (a == b)) {
                    return;
                }
            }
        }
    }

    void scas(Insn in) {
        int size = in.size;
        long step = step(in);
        long a = s.reg(CpuState.RAX, size);
        long n = in.rep == 0 ? 1 : count(in);
        for (int budget = CHUNK; n != 0; budget--) {
            if (budget == 0) {
                again(in);
                return;
            }
            long b = mmu.read(dst(in, s), size);
            advance(in, CpuState.RDI, step);
            x.f.record(Flags.SUB, size, a, b, (a - b) & CpuState.mask(size));
            n--;
            if (in.rep != 0) {
                advance(in, CpuState.RCX, -1);
                if ((in.rep == REPE) != (a == b)) {
                    return;
                }
            }
        }
    }

    void ins(Insn in) {
        int size = in.size;
        long step = step(in);
        int port = (int) s.r[CpuState.RDX] & 0xFFFF;
        checkIo();
        long n = in.rep == 0 ? 1 : count(in);
        for (int budget = CHUNK; n != 0; budget--) {
            if (budget == 0) {
                again(in);
                return;
            }
            long a = dst(in, s);
            mmu.translate(a, Mmu.WRITE); // fault before the device sees the read
            mmu.write(a, size, pio.read(port, size));
            advance(in, CpuState.RDI, step);
            n--;
            if (in.rep != 0) {
                advance(in, CpuState.RCX, -1);
            }
        }
    }

    void outs(Insn in) {
        int size = in.size;
        long step = step(in);
        int port = (int) s.r[CpuState.RDX] & 0xFFFF;
        checkIo();
        long n = in.rep == 0 ? 1 : count(in);
        for (int budget = CHUNK; n != 0; budget--) {
            if (budget == 0) {
                again(in);
                return;
            }
            pio.write(port, size, mmu.read(src(in), size));
            advance(in, CpuState.RSI, step);
            n--;
            if (in.rep != 0) {
                advance(in, CpuState.RCX, -1);
            }
        }
    }

    void in(Insn in, int port) {
        checkIo();
        s.setReg(CpuState.RAX, in.size, pio.read(port, in.size));
    }

    void out(Insn in, int port) {
        checkIo();
        pio.write(port, in.size, s.reg(CpuState.RAX, in.size));
    }

    /** Port access above IOPL would consult the TSS bitmap; the emu's guests run at CPL 0, so refuse it. */
    private void checkIo() {
        if (s.cpl > (s.rflags & CpuState.IOPL) >>> 12) {
            throw x.fault.raise(GuestFault.GP, 0);
        }
    }
}
