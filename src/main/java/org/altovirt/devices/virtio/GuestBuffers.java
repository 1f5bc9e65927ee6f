package org.altovirt.devices.virtio;

import java.util.ArrayList;
import java.util.List;
import org.altovirt.memory.GuestMemory;

/**
 * Scattered guest buffers seen as one byte sequence. Since VIRTIO_F_VERSION_1 implies any layout
 * (virtio 1.x §2.7.4.3), a device must not assume where a driver splits a request between
 * descriptors: it reads headers and writes results through this view instead.
 *
 * @param parts the buffers in order; each lies within guest RAM
 */
public record GuestBuffers(List<Descriptor> parts) {
    public GuestBuffers {
        parts = List.copyOf(parts);
    }

    /** Total length in bytes. */
    public long length() {
        long total = 0;
        for (Descriptor d : parts) {
            total += d.length();
        }
        return total;
    }

    /** The bytes {@code [offset, offset+length)} of this sequence; fails when that is not within it. */
    public GuestBuffers slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset > length() - length) {
            throw new IndexOutOfBoundsException(
                    "slice [" + offset + ", +" + length + ") of " + length() + " bytes of guest buffers");
        }
        List<Descriptor> out = new ArrayList<>();
        long skip = offset;
        long left = length;
        for (Descriptor d : parts) {
            if (left == 0) {
                break;
            }
            if (skip >= d.length()) {
                skip -= d.length();
                continue;
            }
            long take = Math.min(d.length() - skip, left);
            out.add(new Descriptor(d.address() + skip, take, d.writable()));
            left -= take;
            skip = 0;
        }
        return new GuestBuffers(out);
    }

    /** Copies the first {@code dst.length} bytes of this sequence into {@code dst}. */
    public void read(GuestMemory memory, byte[] dst) {
        int done = 0;
        for (Descriptor d : slice(0, dst.length).parts()) {
            memory.read(d.address(), dst, done, (int) d.length());
            done += (int) d.length();
        }
    }

    /** Copies {@code src} to the start of this sequence. */
    public void write(GuestMemory memory, byte[] src) {
        int done = 0;
        for (Descriptor d : slice(0, src.length).parts()) {
            memory.write(d.address(), src, done, (int) d.length());
            done += (int) d.length();
        }
    }
}
