package org.altovirt.accel.emu;

/**
 * The guest asked for something the emu does not emulate and cannot refuse with a CPU exception
 * (compatibility mode, for one). The vCPU stops the machine with a {@code host-error} shutdown
 * and this message in the log, rather than run the guest wrongly.
 */
final class UnsupportedGuestState extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnsupportedGuestState(String message) {
        super(message);
    }
}
