package org.altovirt.accel.emu;

import java.util.Arrays;

/**
 * One differential test case: instructions in AT&T syntax, the registers and RFLAGS they start
 * with, the scratch memory (when they touch memory), and what may be compared afterwards: the
 * flags the SDM defines for them, and which registers hold addresses (compared relative to where
 * the test image was loaded, since that differs between the host and the guest).
 */
final class DiffCase {
    static final int SCRATCH_QWORDS = 16;

    String text;
    final long[] regs = new long[16];
    long flags = 0x202;
    long[] scratch;
    /** RFLAGS bits to compare. */
    long flagMask = CpuState.ARITH | CpuState.DF;
    /** Registers whose values are addresses in the image (bit n for register n). */
    int addressRegs;
    /** Registers not to compare at all (their value is undefined after the instruction). */
    int ignoredRegs;
    /** Where each address register points: bytes from the start of scratch. */
    final int[] addressInit = new int[16];

    DiffCase(String text) {
        this.text = text;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(text.replace("\n", "; "));
        sb.append("  [flags 0x").append(Long.toHexString(flags));
        for (int i = 0; i < 16; i++) {
            if (i != CpuState.RSP) {
                sb.append(' ').append(CaseGenerator.R64[i]).append("=0x").append(Long.toHexString(regs[i]));
            }
        }
        if (scratch != null) {
            sb.append(" scratch=").append(Arrays.toString(Arrays.stream(scratch).mapToObj(Long::toHexString).toArray()));
        }
        return sb.append(']').toString();
    }
}
