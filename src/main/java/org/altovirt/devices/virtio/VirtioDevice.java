package org.altovirt.devices.virtio;

import java.util.List;
import org.altovirt.memory.GuestMemory;

/**
 * A virtio device behind a transport (virtio 1.x §2, StratoVirt's VirtioDevice trait): what it is,
 * what it offers, its configuration space and its queues. The transport owns the driver's side of
 * the handshake; the device sees only the outcome ({@link #activate}) and the notifications.
 *
 * <p>Threads: calls come from vCPU threads, several at once. {@link #readConfig} and
 * {@link #writeConfig} come with the transport's lock held; {@link #queueNotify} without it, so a
 * device guards its own queue state, and may see a notification after {@link #reset()} (then it
 * does nothing).
 */
public interface VirtioDevice {
    /** Feature bit 28: descriptors may point to indirect tables. */
    long VIRTIO_F_INDIRECT_DESC = 1L << 28;
    /** Feature bit 32: the device follows virtio 1.x (no legacy interface); a device must offer it. */
    long VIRTIO_F_VERSION_1 = 1L << 32;

    /** The virtio device ID (§5: net 1, block 2, balloon 5). */
    int deviceType();

    /** The features offered to the driver, including {@link #VIRTIO_F_VERSION_1}. */
    long deviceFeatures();

    /** Number of virtqueues. */
    int queueCount();

    /** The largest size the driver may give queue {@code index} (QueueNumMax), a power of two. */
    int queueMaxSize(int index);

    /**
     * Reads {@code size} (1, 2, 4 or 8) bytes of the configuration space at {@code offset},
     * little-endian; bytes past its end read as zero.
     */
    long readConfig(int offset, int size);

    /** A driver write to the configuration space; ignored where nothing is writable. */
    void writeConfig(int offset, int size, long value);

    /** Called once by the transport that carries this device, before any other call from it. */
    void bind(DeviceSignals signals);

    /**
     * The driver set DRIVER_OK: start serving {@code queues} (one per queue, in order; a queue
     * the driver did not set up is not {@linkplain SplitQueue#isReady() ready}) with the
     * negotiated {@code features}. A QueueException (a queue the device needs is missing) puts
     * the device in DEVICE_NEEDS_RESET.
     */
    void activate(GuestMemory memory, List<SplitQueue> queues, long features) throws QueueException;

    /**
     * The driver notified queue {@code index}: process what it made available. A QueueException
     * puts the device in DEVICE_NEEDS_RESET; the device must stop using its queues then.
     */
    void queueNotify(int index) throws QueueException;

    /** The driver reset the device: drop the queues and go back to the state before activation. */
    void reset();
}
