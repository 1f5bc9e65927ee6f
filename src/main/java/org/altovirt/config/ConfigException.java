package org.altovirt.config;

/**
 * A command line or {@code -config} file that cannot start a VM. The message is one line that
 * names the offending option or value and says what is allowed, e.g. {@code "-m 64M: memory must
 * be between 128M and 512G"}; the launcher prints it as it is, without a stack trace.
 *
 * <p>{@link InfoRequest}, a subclass, is not an error: it carries the help or version text that
 * {@code -h} or {@code -version} asked for.
 */
public class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line message for the user. */
    public ConfigException(String message) {
        super(message);
    }

    /** An error with a one-line message for the user, caused by {@code cause}. */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
