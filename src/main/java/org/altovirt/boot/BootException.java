package org.altovirt.boot;

/**
 * A kernel, initrd or command line that cannot be booted. The message is one line for the user
 * that names the file (or value) and the problem, e.g. {@code "vmlinuz: boot protocol 2.10 is too
 * old; 2.12 or later is needed"}; the launcher prints it as it is.
 */
public final class BootException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line message for the user. */
    public BootException(String message) {
        super(message);
    }

    /** An error with a one-line message for the user, caused by {@code cause}. */
    public BootException(String message, Throwable cause) {
        super(message, cause);
    }
}
