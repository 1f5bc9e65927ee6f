package org.altovirt.devices.virtio;

import java.util.List;

/**
 * A request the driver made available: the head index to hand back in the used ring, and its
 * buffers in order, device-readable ones first (the queue refuses any other order).
 *
 * @param head index of the chain's first descriptor in the descriptor table
 * @param descriptors the buffers, indirect tables already flattened
 */
public record DescriptorChain(int head, List<Descriptor> descriptors) {
    public DescriptorChain {
        descriptors = List.copyOf(descriptors);
    }

    /** The device-readable buffers, as one byte sequence. */
    public GuestBuffers readable() {
        return new GuestBuffers(descriptors.stream().filter(d -> !d.writable()).toList());
    }

    /** The device-writable buffers, as one byte sequence. */
    public GuestBuffers writable() {
        return new GuestBuffers(descriptors.stream().filter(Descriptor::writable).toList());
    }
}
