package org.altovirt.accel.emu;

/**
 * One decoded instruction: what {@link Decoder} read once and {@link Executor} runs every time.
 * Registers are numbered 0..15 (16..19 for AH, CH, DH, BH); a memory operand is base + index <<
 * scale + disp (RIP-relative when {@link #ripRel}), truncated to 32 bits under an address-size
 * prefix, plus the FS or GS base under a segment prefix. Written only by the decoder.
 */
final class Insn {
    int op = Op.UD;
    /** Operation flavour: ALU operation, shift kind, condition code, group member... */
    int sub;
    /** Operand size in bytes: 1, 2, 4 or 8. */
    int size;
    /** Length in bytes. */
    int len;
    /** Offset of the next instruction from the start of its block. */
    int next;
    /** Register operand (ModRM.reg, or the register in the opcode). */
    int reg;
    /** Register of the ModRM.rm operand when it is not memory. */
    int rm;
    boolean mem;
    int base = -1;
    int index = -1;
    int scale;
    long disp;
    boolean ripRel;
    boolean addr32;
    /** Segment prefix: 0 none, {@link CpuState#FS} or {@link CpuState#GS}. */
    int seg;
    long imm;
    long imm2;
    /** 0, or the F3 (REP/REPE) or F2 (REPNE) prefix byte of a string operation. */
    int rep;
    boolean lock;
    /** Whether the block ends after this instruction (control transfer, mode change...). */
    boolean ends;
    /** Whether RIP must hold the next instruction's address while this one runs (RIP-relative, branches, last of a block). */
    boolean needsRip;

    @Override
    public String toString() {
        return "Insn[op=" + op + " sub=" + sub + " size=" + size + " len=" + len + " reg=" + reg
                + (mem ? " mem base=" + base + " index=" + index + " scale=" + scale + " disp=" + disp
                        + (ripRel ? " rip" : "") : " rm=" + rm)
                + " imm=" + imm + "]";
    }
}
