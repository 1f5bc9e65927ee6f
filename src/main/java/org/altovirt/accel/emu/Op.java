package org.altovirt.accel.emu;

/**
 * The operations a decoded {@link Insn} names: one small int per operation and operand form. The
 * 32 commonest in gcc -O2 code (measured on workload.c) are numbered 0..31, most frequent first,
 * so the executor reaches them through trees of conditional branches instead of an indirect jump
 * (see Executor#runLoop). Where an operation comes in several
 * flavours (the eight ALU operations, the shift kinds, condition codes) {@link Insn#sub} says which.
 */
final class Op {
    private Op() {}

    static final int UD = 32, NOP = 33,
            // integer ALU; sub = ADD, OR, ADC, SBB, AND, SUB, XOR, CMP
            ALU_EG = 29, ALU_GE = 31, ALU_EI = 30, TEST_EG = 34, TEST_EI = 35,
            INC = 36, DEC = 37, NOT = 38, NEG = 20,
            MUL = 39, IMUL1 = 40, DIV = 41, IDIV = 42, IMUL_GEI = 19, IMUL_GE = 18,
            // shifts; sub = ROL, ROR, RCL, RCR, SHL, SHR, SAL, SAR
            SHIFT_I = 16, SHIFT_CL = 43,
            // double shifts; sub = 0 left, 1 right
            SHD_I = 44, SHD_CL = 45,
            MOV_EG = 25, MOV_GE = 26, MOV_EI = 46, MOVZX = 23, MOVSX = 24, LEA = 17,
            XCHG = 47, CMPXCHG = 48, XADD = 49, CMPXCHG16 = 50, CONV_A = 51, CONV_D = 52,
            PUSH = 21, PUSH_I = 53, POP = 22, PUSHF = 54, POPF = 55, SAHF = 56, LAHF = 57,
            JMP = 13, JCC = 8, JMP_E = 58, CALL = 14, CALL_E = 59, RET = 15, LOOP = 60, JRCXZ = 61,
            ENTER = 62, LEAVE = 63, INT3 = 64, INTN = 65, IRET = 66, LRET = 67, JMPF = 68, CALLF = 69,
            // string operations; rep prefix in Insn.rep
            MOVS = 70, CMPS = 71, STOS = 72, LODS = 73, SCAS = 74, INS = 75, OUTS = 76,
            IN_I = 77, IN_DX = 78, OUT_I = 79, OUT_DX = 80,
            HLT = 81, CMC = 82, CLC = 83, STC = 84, CLI = 85, STI = 86, CLD = 87, STD = 88,
            SETCC = 28, CMOVCC = 27,
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
