package org.altovirt.accel.emu;

/**
 * A decoded basic block: instructions from one guest-physical page, in order, up to and including
 * the first that transfers control (or the page's end). Cached by physical address, so the same
 * code mapped at several virtual addresses, or reached after a CR3 reload, is decoded once.
 */
final class Block {
    final long phys;
    final Insn[] insns;
    /** Bytes of guest code the block covers, from {@link #phys}. */
    final int length;
    /** Cleared when the guest writes to the block's bytes (or the cache is flushed). */
    boolean valid = true;
    /** Whether the block is in the {@link CodeCache} (an uncached one is never linked to). */
    boolean cached;

    // Direct links to the blocks this one was seen to continue into (a taken and a fall-through
    // branch), by virtual RIP; good while the translation generation they were made in lasts. A
    // link is empty when its block is null (any RIP value, -1 included, can be a real target).
    long linkRip0, linkRip1;
    Block link0, link1;
    int linkGeneration = -1;

    /**
     * The condition code of a Jcc fused into the block's last instruction (a register-only flag
     * producer: CMP, TEST, SUB, DEC...), or -1; {@link #fusedRel} is its displacement.
     */
    final int fusedCc;
    final long fusedRel;
    /** Times the block was entered while interpreted; {@link Executor} compiles it at a threshold. */
    int hits;
    /** The block as JVM bytecode, once compiled. */
    CompiledBlock compiled;

    /** Guest instructions in the block (one more than {@code insns} when a Jcc is fused). */
    final int count;

    Block(long phys, Insn[] insns, int length) {
        this(phys, insns, length, -1, 0);
    }

    Block(long phys, Insn[] insns, int length, int fusedCc, long fusedRel) {
        this.phys = phys;
        this.insns = insns;
        this.length = length;
        this.fusedCc = fusedCc;
        this.fusedRel = fusedRel;
        this.count = insns.length + (fusedCc >= 0 ? 1 : 0);
    }
}
