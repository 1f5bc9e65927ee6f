package org.altovirt.accel.emu;

/**
 * A {@link Block} translated to JVM bytecode by {@link BlockCompiler}: the same instructions, run
 * as straight-line Java that the JVM's own compilers optimise, instead of one dispatch per
 * instruction. The generated subclass lives in a hidden class that goes away with its block.
 */
abstract class CompiledBlock {
    /** The block's decoded instructions, for the ones the compiled code hands to the interpreter. */
    protected final Insn[] insns;

    protected CompiledBlock(Insn[] insns) {
        this.insns = insns;
    }

    /**
     * Runs the block entered at virtual address {@code rip}. Leaves {@code s.rip} at the next
     * instruction to run and returns the number of guest instructions completed: the block's
     * {@link Block#count}, or fewer when a store hit cached code and the rest of the block may be
     * stale. A {@link GuestFault} leaves the state as it was before the faulting instruction, whose
     * index in {@link #insns} is in {@link Executor#faultIndex}.
     */
    abstract int run(Executor x, CpuState s, long[] r, long rip);

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
