package org.altovirt.accel.emu;

/**
 * Decode-time rewriting of the commonest operand shapes into the fast operations the executor
 * handles without a call (numbered 0..15 in {@link Op}). The rewritten instruction means exactly
 * what the general form means; only the dispatch differs.
 */
final class FastForms {
    private FastForms() {}

    /**
     * Rewrites the commonest operand shapes to fast forms: register-destination ALU, INC/DEC, MOV
     * and TEST of 32 or 64 bits, whole-register loads and stores, 64-bit LEA. For register-only
     * forms, {@code rm} is the destination and {@code reg} the source.
     */
    static void specialize(Insn in) {
        int size = in.size;
        boolean wide = size == 8 || size == 4;
        if (!wide || in.lock || in.seg != 0) {
            return;
        }
        switch (in.op) {
            case Op.ALU_EG:
                if (!in.mem) {
                    in.op = size == 8 ? Op.ALU64_RR : Op.ALU32_RR;
                }
                return;
            case Op.ALU_GE:
                if (!in.mem) {
                    int d = in.reg;
                    in.reg = in.rm;
                    in.rm = d;
                    in.op = size == 8 ? Op.ALU64_RR : Op.ALU32_RR;
                }
                return;
            case Op.ALU_EI:
                if (!in.mem) {
                    in.op = size == 8 ? Op.ALU64_RI : Op.ALU32_RI;
                }
                return;
            case Op.INC:
            case Op.DEC:
                if (!in.mem) {
                    in.op = in.op == Op.INC ? Op.INC_R : Op.DEC_R;
                }
                return;
            case Op.TEST_EG:
                if (!in.mem) {
                    in.op = Op.TEST_RR;
                }
                return;
            case Op.MOV_EG:
                if (in.mem) {
                    in.op = in.ripRel ? Op.MOV_EG : Op.STORE;
                } else {
                    in.op = Op.MOV_RR;
                }
                return;
            case Op.MOV_GE:
                if (in.mem) {
                    in.op = in.ripRel ? Op.MOV_GE : Op.LOAD;
                } else {
                    int d = in.reg;
                    in.reg = in.rm;
                    in.rm = d;
                    in.op = Op.MOV_RR;
                }
                return;
            case Op.MOV_EI:
                if (!in.mem) {
                    in.op = Op.MOV_RI;
                    in.imm = size == 4 ? in.imm & 0xFFFF_FFFFL : in.imm;
                }
                return;
            case Op.LEA:
                if (size == 8 && !in.addr32 && !in.ripRel) {
                    in.op = Op.LEA64;
                }
                return;
            default:
        }
    }
}
