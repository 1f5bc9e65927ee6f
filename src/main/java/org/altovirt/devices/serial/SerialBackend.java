package org.altovirt.devices.serial;

import org.altovirt.config.SerialConfig;

/**
 * The host end of the serial port ({@code -serial}): a sink for the guest's output and, for the
 * backends that have input, a reader thread that feeds what the host sends to the UART.
 *
 * <p>Typical use by the machine:
 *
 * <pre>{@code
 * SerialBackend backend = SerialBackend.open(config.serial());   // may print the pty's name
 * Uart8250 uart = new Uart8250(irq4, backend);
 * pio.insert(Uart8250.PORT_BASE, Uart8250.PORT_COUNT, uart);
 * backend.start(uart);                                           // input begins to flow
 * ...
 * backend.close();                                               // at VM end
 * }</pre>
 *
 * <p>Output ({@link #write(int)}, {@link #write(byte[], int, int)}) is called on vCPU threads:
 * it never throws, and it does not block on a host peer that stops reading, except stdio, whose
 * reader is the user's terminal or pipe. What each backend does with output while nobody is
 * connected is said on its {@code open} method.
 */
public sealed interface SerialBackend extends SerialOutput, AutoCloseable
        permits StdioBackend, PtyBackend, FileBackend, UnixSocketBackend, NullBackend {

    /** Sends guest output {@code bytes[offset, offset+length)} to the host. */
    void write(byte[] bytes, int offset, int length);

    @Override
    default void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /**
     * Starts delivering host input to {@code input} (normally the UART) on a daemon thread. Does
     * nothing for the backends without input (file, none). Call at most once.
     */
    void start(SerialInput input);

    /** Stops the input thread, releases the host resources, restores the terminal. Idempotent. */
    @Override
    void close();

    /**
     * Opens the backend {@code config} names.
     *
     * <ul>
     *   <li>stdio: standard output, and standard input in raw mode when it is a terminal;
     *   <li>pty: a new pseudo-terminal, announced on stderr as {@code altovirt: serial on
     *       /dev/pts/N};
     *   <li>file: the file, created or truncated (as QEMU does); no input;
     *   <li>unix: a listening socket (server), or a connection to one (client); a server
     *       without {@code nowait} waits here for its first client;
     *   <li>none: output discarded, no input.
     * </ul>
     *
     * @throws SerialException with a one-line message naming the option and the path
     */
    static SerialBackend open(SerialConfig config) throws SerialException {
        String option = option(config);
        if (config instanceof SerialConfig.Stdio) {
            return StdioBackend.open(option);
        }
        if (config instanceof SerialConfig.Pty) {
            return PtyBackend.open(option);
        }
        if (config instanceof SerialConfig.FileOut f) {
            return FileBackend.open(option, f.path());
        }
        if (config instanceof SerialConfig.UnixSocket u) {
            return UnixSocketBackend.open(option, u.path(), u.server(), u.nowait());
        }
        if (config instanceof SerialConfig.None) {
            return new NullBackend();
        }
        throw new IllegalArgumentException("unknown serial configuration " + config);
    }

    /** The option as the user would have written it, for messages. */
    private static String option(SerialConfig config) {
        if (config instanceof SerialConfig.FileOut f) {
            return "-serial file:" + f.path();
        }
        if (config instanceof SerialConfig.UnixSocket u) {
            return "-serial unix:" + u.path() + (u.server() ? ",server" : "") + (u.nowait() ? ",nowait" : "");
        }
        if (config instanceof SerialConfig.Stdio) {
            return "-serial stdio";
        }
        if (config instanceof SerialConfig.Pty) {
            return "-serial pty";
        }
        return "-serial none";
    }
}
