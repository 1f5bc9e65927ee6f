package org.altovirt.memory;

import java.util.ArrayList;
import java.util.List;

/**
 * Where guest RAM lives in guest-physical space on StratoVirt's x86_64 microvm (docs/facts.md §3):
 * from 0 up to 3 GiB, and whatever does not fit above 4 GiB. Between 3 and 4 GiB are the device
 * windows (virtio-mmio at 0xF010_0000, IOAPIC at 0xFEC0_0000, LAPIC at 0xFEE0_0000).
 */
public final class MemoryLayout {
    /** End of the low RAM window: 3 GiB. */
    public static final long LOW_RAM_END = 3L << 30;
    /** Start of RAM above the 32-bit device hole: 4 GiB. */
    public static final long HIGH_RAM_START = 4L << 30;
    /** First virtio-mmio transport. */
    public static final long VIRTIO_MMIO_BASE = 0xF010_0000L;
    /** Size of one virtio-mmio transport window. */
    public static final long VIRTIO_MMIO_SIZE = 0x200;

    private MemoryLayout() {}

    /** One RAM range in guest-physical space. */
    public record RamRange(long guestAddress, long size) {
        public long end() {
            return guestAddress + size;
        }
    }

    /** The RAM ranges for {@code bytes} of guest memory, lowest first. */
    public static List<RamRange> ramRanges(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("guest memory size must be positive: " + bytes);
        }
        List<RamRange> out = new ArrayList<>(2);
        long low = Math.min(bytes, LOW_RAM_END);
        out.add(new RamRange(0, low));
        if (bytes > low) {
            out.add(new RamRange(HIGH_RAM_START, bytes - low));
        }
        return out;
    }
}
