package org.altovirt.bus;

import java.util.Arrays;
import java.util.Optional;

/**
 * An address space (port I/O or MMIO) mapped to devices. Lookups happen on every guest access and
 * take no lock: the map is an immutable sorted array replaced whole on the rare change (boot,
 * hot-plug). Accesses that hit no device read as all ones and are otherwise ignored, as on a real
 * bus.
 */
public final class Bus {
    /** A device's window on this bus. */
    public record Mapping(long base, long length, BusDevice device) {
        long end() {
            return base + length;
        }
    }

    private final String name;
    private volatile Mapping[] map = new Mapping[0];

    public Bus(String name) {
        this.name = name;
    }

    /** Maps {@code device} at {@code [base, base+length)}; fails when that overlaps another window. */
    public synchronized void insert(long base, long length, BusDevice device) {
        if (length <= 0 || base + length < base) {
            throw new IllegalArgumentException(name + ": bad window 0x" + Long.toHexString(base) + " +" + length);
        }
        for (Mapping m : map) {
            if (base < m.end() && m.base() < base + length) {
                throw new IllegalArgumentException(String.format("%s: [0x%x, 0x%x) overlaps [0x%x, 0x%x)",
                        name, base, base + length, m.base(), m.end()));
            }
        }
        Mapping[] next = Arrays.copyOf(map, map.length + 1);
        next[map.length] = new Mapping(base, length, device);
        Arrays.sort(next, (a, b) -> Long.compareUnsigned(a.base(), b.base()));
        map = next;
    }

    /** Removes the window starting at {@code base}; returns whether there was one. */
    public synchronized boolean remove(long base) {
        Mapping[] current = map;
        for (int i = 0; i < current.length; i++) {
            if (current[i].base() == base) {
                Mapping[] next = new Mapping[current.length - 1];
                System.arraycopy(current, 0, next, 0, i);
                System.arraycopy(current, i + 1, next, i, current.length - i - 1);
                map = next;
                return true;
            }
        }
        return false;
    }

    /** The window containing {@code address}. */
    public Optional<Mapping> find(long address) {
        Mapping m = lookup(address);
        return Optional.ofNullable(m);
    }

    private Mapping lookup(long address) {
        Mapping[] current = map;
        int lo = 0;
        int hi = current.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Mapping m = current[mid];
            if (Long.compareUnsigned(address, m.base()) < 0) {
                hi = mid - 1;
            } else if (Long.compareUnsigned(address, m.end()) >= 0) {
                lo = mid + 1;
            } else {
                return m;
            }
        }
        return null;
    }

    /** Reads {@code size} bytes at {@code address}; all ones where no device answers. */
    public long read(long address, int size) {
        Mapping m = lookup(address);
        if (m == null) {
            return size >= 8 ? -1L : (1L << (size * 8)) - 1;
        }
        return m.device().read(address - m.base(), size);
    }

    /** Writes {@code size} bytes at {@code address}; ignored where no device listens. */
    public void write(long address, int size, long value) {
        Mapping m = lookup(address);
        if (m != null) {
            m.device().write(address - m.base(), size, value);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
