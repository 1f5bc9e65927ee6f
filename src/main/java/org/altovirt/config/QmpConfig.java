package org.altovirt.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The QMP socket from {@code -qmp unix:PATH,server,nowait}: the VMM listens on {@code socket}
 * and does not wait for a client before starting the guest.
 *
 * @param socket the Unix socket's path as given (relative paths are relative to the current
 *     directory); it must not exist when the VMM starts
 */
public record QmpConfig(Path socket) {
    public QmpConfig {
        Objects.requireNonNull(socket, "socket");
    }
}
