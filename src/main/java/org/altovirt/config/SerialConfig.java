package org.altovirt.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the 8250 serial port (ttyS0) goes: {@code -serial stdio | pty | file:PATH |
 * unix:PATH[,server][,nowait] | none}, or the config file's {@code serial}. {@link None} when not
 * given.
 */
public sealed interface SerialConfig {
    /** {@code -serial stdio}: the VMM's standard input and output. */
    record Stdio() implements SerialConfig {}

    /** {@code -serial pty}: a new pseudo-terminal, whose name the VMM prints. */
    record Pty() implements SerialConfig {}

    /** {@code -serial file:PATH}: guest output is written to {@code path}; no input. */
    record FileOut(Path path) implements SerialConfig {
        public FileOut {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * {@code -serial unix:PATH[,server][,nowait]}: a Unix stream socket.
     *
     * @param path the socket's path
     * @param server listen on {@code path} rather than connect to it
     * @param nowait with {@code server}: start the guest without waiting for a client
     */
    record UnixSocket(Path path, boolean server, boolean nowait) implements SerialConfig {
        public UnixSocket {
            Objects.requireNonNull(path, "path");
        }
    }

    /** {@code -serial none}, the default: the port exists but nothing is connected to it. */
    record None() implements SerialConfig {}
}
