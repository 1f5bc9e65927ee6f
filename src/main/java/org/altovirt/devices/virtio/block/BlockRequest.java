package org.altovirt.devices.virtio.block;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.altovirt.devices.virtio.DescriptorChain;
import org.altovirt.devices.virtio.GuestBuffers;
import org.altovirt.devices.virtio.QueueException;
import org.altovirt.memory.GuestMemory;

/**
 * One virtio-blk request as the driver laid it out (virtio 1.x §5.2.6): a 16-byte header
 * {type u32, reserved u32, sector u64} at the start of the device-readable bytes, the data, and
 * the status byte as the very last device-writable byte. Where the driver splits these between
 * descriptors does not matter.
 *
 * @param type VIRTIO_BLK_T_*
 * @param sector first 512-byte sector (unsigned)
 * @param data what the device reads (OUT) or fills (IN, GET_ID); empty for other types
 * @param statusAddress guest-physical address of the status byte
 */
record BlockRequest(int type, long sector, GuestBuffers data, long statusAddress) {
    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int HEADER_SIZE = 16;

    /** Parses {@code chain}; fails when it lacks room for the header or the status byte. */
    static BlockRequest parse(GuestMemory memory, DescriptorChain chain) throws QueueException {
        GuestBuffers readable = chain.readable();
        GuestBuffers writable = chain.writable();
        if (readable.length() < HEADER_SIZE) {
            throw new QueueException(String.format(
                    "virtio-blk request at head %d has %d device-readable bytes, fewer than the %d-byte header",
                    chain.head(), readable.length(), HEADER_SIZE));
        }
        if (writable.length() < 1) {
            throw new QueueException(String.format(
                    "virtio-blk request at head %d has no device-writable byte for its status", chain.head()));
        }
        byte[] header = new byte[HEADER_SIZE];
        readable.read(memory, header);
        ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
        int type = h.getInt(0);
        long sector = h.getLong(8);
        long statusAddress = writable.slice(writable.length() - 1, 1).parts().get(0).address();
        GuestBuffers data = switch (type) {
            case T_OUT -> readable.slice(HEADER_SIZE, readable.length() - HEADER_SIZE);
            case T_IN, T_GET_ID -> writable.slice(0, writable.length() - 1);
            default -> new GuestBuffers(List.of());
        };
        return new BlockRequest(type, sector, data, statusAddress);
    }
}
