package org.altovirt.devices.serial;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A {@link SerialInput} that keeps what it receives, for backend tests. */
final class CollectingInput implements SerialInput {
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    @Override
    public synchronized void receive(byte[] bytes, int offset, int length) {
        received.write(bytes, offset, length);
        notifyAll();
    }

    /** Waits until what was received ends with {@code expected}; fails after 5 seconds. */
    synchronized void awaitEndsWith(String expected) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!text().endsWith(expected)) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new AssertionError("expected input ending with '" + expected + "', got '" + text() + "'");
            }
            wait(left);
        }
    }

    synchronized String text() {
        return received.toString(StandardCharsets.ISO_8859_1);
    }
}
