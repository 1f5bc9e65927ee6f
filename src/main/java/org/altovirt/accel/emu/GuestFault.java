package org.altovirt.accel.emu;

/**
 * An exception the guest raised (#DE, #UD, #GP, #PF...): thrown from deep inside an instruction
 * and caught by the block loop, which rolls RIP back to the faulting instruction and delivers it
 * through the guest's IDT. One instance per vCPU, reused, without a stack trace: faults are guest
 * behaviour, not errors of the emulator, and must cost little.
 */
final class GuestFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    static final int DE = 0, DB = 1, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8, TS = 10, NP = 11,
            SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18;

    /** #PF error code bits. */
    static final int PF_PRESENT = 1, PF_WRITE = 2, PF_USER = 4, PF_RSVD = 8, PF_FETCH = 16;

    int vector;
    int errorCode;
    boolean hasErrorCode;

    GuestFault() {
        super(null, null, false, false);
    }

    GuestFault raise(int vec) {
        vector = vec;
        errorCode = 0;
        hasErrorCode = false;
        return this;
    }

    GuestFault raise(int vec, int error) {
        vector = vec;
        errorCode = error;
        hasErrorCode = true;
        return this;
    }

    /** Whether the vector pushes an error code (#DF, #TS, #NP, #SS, #GP, #PF, #AC). */
    static boolean pushesErrorCode(int vec) {
        return vec == DF || (vec >= TS && vec <= PF) || vec == AC;
    }

    @Override
    public String getMessage() {
        return "guest exception " + vector + (hasErrorCode ? " error code 0x" + Integer.toHexString(errorCode) : "");
    }
}
