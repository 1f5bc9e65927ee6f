package org.altovirt.state;

/**
 * A saved state that cannot be restored: the snapshot does not fit this VM, or is damaged. The
 * message names what does not fit, for the user.
 */
public final class StateException extends Exception {
    private static final long serialVersionUID = 1L;

    public StateException(String message) {
        super(message);
    }

    public StateException(String message, Throwable cause) {
        super(message, cause);
    }
}
