package org.altovirt.devices.virtio;

/**
 * The driver broke the virtqueue rules (a descriptor outside RAM, a loop, a ring misplaced...).
 * The guest is at fault, so the device stops and asks for a reset; the VMM goes on. The message
 * names the offending value.
 */
public final class QueueException extends Exception {
    public QueueException(String message) {
        super(message, null, false, false);
    }
}
