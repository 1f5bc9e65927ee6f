package org.altovirt.devices.virtio.block;

import java.io.IOException;
import org.altovirt.devices.virtio.GuestBuffers;
import org.altovirt.memory.GuestMemory;

/**
 * Where a virtio-blk disk's bytes live. Offsets and lengths come checked against
 * {@link #sizeBytes()} and are multiples of 512; buffers lie in guest RAM. Calls come one at a
 * time (the device serialises them).
 */
public interface BlockBackend extends AutoCloseable {
    /** Size in bytes; the disk shows {@code sizeBytes() / 512} sectors. */
    long sizeBytes();

    /** Whether writes are refused. */
    boolean readOnly();

    /** Reads {@code into.length()} bytes at {@code offset} into the guest buffers. */
    void read(long offset, GuestMemory memory, GuestBuffers into) throws IOException;

    /** Writes the guest buffers' {@code from.length()} bytes at {@code offset}. */
    void write(long offset, GuestMemory memory, GuestBuffers from) throws IOException;

    /** Makes completed writes durable. */
    void flush() throws IOException;

    /** Releases the backend; no call may follow. */
    @Override
    void close();
}
