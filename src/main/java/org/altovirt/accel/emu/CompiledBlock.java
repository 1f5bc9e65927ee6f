package org.altovirt.accel.emu;

/**
 * A {@link Block}, with the blocks it jumps to in the same page (a {@link BlockCompiler.Region}),
 * translated to JVM bytecode by {@link BlockCompiler}: the same instructions, run as Java that the
 * JVM's own compilers optimise, instead of one dispatch per instruction; a loop within the region
 * is a Java loop. The generated subclass lives in a hidden class that goes away with its block.
 */
abstract class CompiledBlock {
    /** The region's decoded instructions, block after block (the compiled code hands some to the interpreter). */
    protected final Insn[] insns;
    /** For each instruction: its block's address less the entry block's. */
    private final long[] deltas;
    /** For each instruction: its index within its block. */
    private final int[] positions;

    protected CompiledBlock(Insn[] insns, long[] deltas, int[] positions) {
        this.insns = insns;
        this.deltas = deltas;
        this.positions = positions;
    }

    /**
     * Runs from the entry block, at virtual address {@code rip}, until control leaves the region
     * (or a kick is pending at a jump within it). Leaves {@code s.rip} at the next instruction to
     * run and returns the number of guest instructions completed. When a store hit cached code,
     * it stops after that instruction and sets {@link Executor#leftEarly}. A {@link GuestFault}
     * leaves the state as it was before the faulting instruction: its index in {@link #insns} is
     * in {@link Executor#faultIndex}, the instructions completed before its block in {@link
     * Executor#faultRetired}.
     */
    abstract long run(Executor x, CpuState s, long[] r, long rip);

    /** The instruction at region index {@code i}. */
    final Insn insn(int i) {
        return insns[i];
    }

    /** Its block's address less the entry's. */
    final long delta(int i) {
        return deltas[i];
    }

    /** Its index within its block. */
    final int position(int i) {
        return positions[i];
    }

    /** ROL/ROR's flags: CF and OF from the result, the others kept (as {@link Bits#shift} sets them). */
    static void rotated(Flags f, long res, int size, boolean left) {
        long sign = 1L << (size * 8 - 1);
        boolean cf;
        boolean of;
        if (left) {
            cf = (res & 1) != 0;
            of = ((res & sign) != 0) != cf;
        } else {
            cf = (res & sign) != 0;
            of = cf != ((res & (sign >>> 1)) != 0);
        }
        f.update(CpuState.CF | CpuState.OF, (cf ? CpuState.CF : 0) | (of ? CpuState.OF : 0));
    }

    /** Whether a 64-bit IMUL of {@code a} and {@code b} overflows (CF = OF = 1). */
    static boolean imulOverflows64(long a, long b) {
        return Math.multiplyHigh(a, b) != ((a * b) >> 63);
    }
}
