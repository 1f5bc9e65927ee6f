package org.altovirt.devices.virtio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A device configuration space image (little-endian, virtio 1.x §2.5): devices fill one in and
 * answer the driver's reads of any width from it.
 */
public final class ConfigSpace {
    private final ByteBuffer bytes;

    /** An all-zero space of {@code size} bytes. */
    public ConfigSpace(int size) {
        bytes = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    public ConfigSpace putByte(int offset, int value) {
        bytes.put(offset, (byte) value);
        return this;
    }

    public ConfigSpace putShort(int offset, int value) {
        bytes.putShort(offset, (short) value);
        return this;
    }

    public ConfigSpace putInt(int offset, int value) {
        bytes.putInt(offset, value);
        return this;
    }

    public ConfigSpace putLong(int offset, long value) {
        bytes.putLong(offset, value);
        return this;
    }

    /** {@code size} bytes at {@code offset}, little-endian, zero-extended; bytes past the end read as zero. */
    public long read(int offset, int size) {
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            int at = offset + i;
            int b = at >= 0 && at < bytes.capacity() ? bytes.get(at) & 0xFF : 0;
            v = (v << 8) | b;
        }
        return v;
    }
}
