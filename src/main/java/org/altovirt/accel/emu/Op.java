package org.altovirt.accel.emu;

/**
 * The operations a decoded {@link Insn} names: one small int per operation and operand form. The
 * sixteen commonest in compiled code are numbered 0..15 so the executor can reach them through a
 * tree of four predictable conditional branches instead of an indirect jump (see Executor#run). Where an operation comes in several
 * flavours (the eight ALU operations, the shift kinds, condition codes) {@link Insn#sub} says which.
 */
final class Op {
    private Op() {}

    static final int UD = 16, NOP = 17,
            // integer ALU; sub = ADD, OR, ADC, SBB, AND, SUB, XOR, CMP
            ALU_EG = 18, ALU_GE = 19, ALU_EI = 20, TEST_EG = 21, TEST_EI = 22,
            INC = 23, DEC = 24, NOT = 25, NEG = 26,
            MUL = 27, IMUL1 = 28, DIV = 29, IDIV = 30, IMUL_GEI = 31, IMUL_GE = 32,
            // shifts; sub = ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR
            SHIFT_I = 33, SHIFT_CL = 34,
            // double shifts; sub = 0 left, 1 right
            SHD_I = 35, SHD_CL = 36,
            MOV_EG = 37, MOV_GE = 38, MOV_EI = 39, MOVZX = 40, MOVSX = 41, LEA = 42,
            XCHG = 43, CMPXCHG = 44, XADD = 45, CMPXCHG16 = 46, CONV_A = 47, CONV_D = 48,
            PUSH = 49, PUSH_I = 50, POP = 51, PUSHF = 52, POPF = 53, SAHF = 54, LAHF = 55,
            JMP = 13, JCC = 8, JMP_E = 56, CALL = 14, CALL_E = 57, RET = 15, LOOP = 58, JRCXZ = 59,
            ENTER = 60, LEAVE = 61, INT3 = 62, INTN = 63, IRET = 64, LRET = 65, JMPF = 66, CALLF = 67,
            // string operations; rep prefix in Insn.rep
            MOVS = 68, CMPS = 69, STOS = 70, LODS = 71, SCAS = 72, INS = 73, OUTS = 74,
            IN_I = 75, IN_DX = 76, OUT_I = 77, OUT_DX = 78,
            HLT = 79, CMC = 80, CLC = 81, STC = 82, CLI = 83, STI = 84, CLD = 85, STD = 86,
            SETCC = 87, CMOVCC = 88,
            // bit tests; sub = 0 BT, 1 BTS, 2 BTR, 3 BTC
            BT_EG = 89, BT_EI = 90, BSF = 91, BSR = 92, POPCNT = 93, BSWAP = 94, XLAT = 95,
            CPUID = 96, RDTSC = 97, RDTSCP = 98, RDMSR = 99, WRMSR = 100,
            MOV_FROM_CR = 101, MOV_TO_CR = 102, MOV_FROM_DR = 103, MOV_TO_DR = 104,
            // descriptor tables; sub = 0 SGDT, 1 SIDT, 2 LGDT, 3 LIDT
            DESC_TABLE = 105, INVLPG = 106, LTR = 107, STR = 108, LLDT = 109, SLDT = 110, SMSW = 111, LMSW = 112,
            CLTS = 113, SWAPGS = 114, MOV_SREG_E = 115, MOV_E_SREG = 116, PUSH_SREG = 117, POP_SREG = 118,
            GP = 119,
            // Fast forms the decoder picks for the commonest operand shapes (see Decoder.specialize):
            // register destinations of 64 or 32 bits, loads and stores of whole registers.
            ALU64_RR = 0, ALU64_RI = 1, ALU32_RR = 2, ALU32_RI = 3, INC_R = 11, DEC_R = 12,
            MOV_RR = 4, MOV_RI = 5, LOAD = 6, STORE = 7, LEA64 = 9, TEST_RR = 10;

    /** Number of operations (size of dispatch tables). */
    static final int COUNT = 120;
}
