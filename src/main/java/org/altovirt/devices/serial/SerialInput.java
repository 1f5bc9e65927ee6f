package org.altovirt.devices.serial;

/**
 * Where a serial backend delivers the bytes it reads from the host (what the guest will read from
 * the UART). Called on the backend's own reader thread.
 */
@FunctionalInterface
public interface SerialInput {
    /**
     * Delivers {@code bytes[offset, offset+length)} in order, waiting while the receiver has no
     * room: input is never dropped, the host side is slowed down instead.
     *
     * @throws InterruptedException when the reader thread is interrupted (the backend is closing)
     */
    void receive(byte[] bytes, int offset, int length) throws InterruptedException;
}
