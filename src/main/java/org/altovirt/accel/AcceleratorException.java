package org.altovirt.accel;

/** An accelerator could not be set up; the message says what failed, for the user. */
public final class AcceleratorException extends Exception {
    public AcceleratorException(String message, Throwable cause) {
        super(message, cause);
    }

    public AcceleratorException(String message) {
        super(message);
    }
}
