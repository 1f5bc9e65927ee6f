package org.altovirt.memory;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;

/**
 * Guest RAM: host memory mapped once per {@link MemoryLayout.RamRange}, read and written by
 * guest-physical address. Every access is bounds-checked, since the addresses come from the guest;
 * an access must lie within one range. Values are little-endian, as on x86. Thread-safe as the
 * hardware is: concurrent accesses to the same bytes race as they would on a real bus.
 */
public final class GuestMemory implements AutoCloseable {
    /** One mapped range: guest-physical start, size, and the host address KVM is given. */
    public record Region(long guestAddress, long size, long hostAddress) {
        boolean contains(long gpa, long len) {
            return gpa >= guestAddress && len >= 0 && gpa - guestAddress <= size - len;
        }
    }

    private final Region[] regions;
    private final Pointer[] views;
    private volatile boolean closed;

    private GuestMemory(Region[] regions) {
        this.regions = regions;
        this.views = new Pointer[regions.length];
        for (int i = 0; i < regions.length; i++) {
            views[i] = Native.pointer(regions[i].hostAddress(), regions[i].size());
        }
    }

    /** Anonymous private memory of {@code bytes}, laid out as the microvm's RAM. */
    public static GuestMemory anonymous(long bytes) throws NativeException {
        List<MemoryLayout.RamRange> ranges = MemoryLayout.ramRanges(bytes);
        Region[] regions = new Region[ranges.size()];
        LibC c = LibC.get();
        for (int i = 0; i < regions.length; i++) {
            MemoryLayout.RamRange r = ranges.get(i);
            jnr.ffi.Pointer mapped = c.mmap(null, r.size(), LibC.PROT_READ | LibC.PROT_WRITE,
                    LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS | LibC.MAP_NORESERVE, -1, 0);
            long host = mapped == null ? LibC.MAP_FAILED : mapped.address();
            if (host == LibC.MAP_FAILED) {
                NativeException e = NativeException.last("mmap of " + r.size() + " bytes of guest RAM");
                for (int j = 0; j < i; j++) {
                    c.munmap(regions[j].hostAddress(), regions[j].size());
                }
                throw e;
            }
            regions[i] = new Region(r.guestAddress(), r.size(), host);
        }
        return new GuestMemory(regions);
    }

    /**
     * Replaces the RAM's contents with {@code file} (the regions one after the other, as a
     * snapshot's memory file holds them) by mapping it copy-on-write over the RAM, at the same
     * host addresses: pages are read from the file when the guest first touches them, its
     * writes stay private, and the file's holes read as zeros. Nothing is copied up front, so a
     * restored guest starts at once. The file must not be changed in place while the VM runs (a
     * snapshot replaces its files by renaming new ones into place, which is safe).
     *
     * @throws NativeException when the mapping fails; the RAM is then unchanged
     */
    public void mapPrivate(java.nio.file.Path file) throws NativeException {
        LibC c = LibC.get();
        int fd = c.open(file.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw NativeException.last("open " + file);
        }
        try {
            long offset = 0;
            for (Region r : regions) {
                jnr.ffi.Pointer at = Native.pointer(r.hostAddress(), r.size());
                jnr.ffi.Pointer mapped = c.mmap(at, r.size(), LibC.PROT_READ | LibC.PROT_WRITE,
                        LibC.MAP_PRIVATE | LibC.MAP_FIXED, fd, offset);
                if (mapped == null || mapped.address() != r.hostAddress()) {
                    throw NativeException.last("mmap of " + file + " over guest RAM");
                }
                offset += r.size();
            }
        } finally {
            c.close(fd); // the mappings keep the file
        }
    }

    public List<Region> regions() {
        return List.of(regions);
    }

    /** Total RAM in bytes. */
    public long size() {
        long total = 0;
        for (Region r : regions) {
            total += r.size();
        }
        return total;
    }

    /** Whether {@code [gpa, gpa+len)} lies within one RAM range. */
    public boolean contains(long gpa, long len) {
        return indexOf(gpa, len) >= 0;
    }

    private int indexOf(long gpa, long len) {
        for (int i = 0; i < regions.length; i++) {
            if (regions[i].contains(gpa, len)) {
                return i;
            }
        }
        return -1;
    }

    private int check(long gpa, long len) {
        int i = indexOf(gpa, len);
        if (i < 0) {
            throw new GuestMemoryException(gpa, len);
        }
        return i;
    }

    /** The host address of {@code [gpa, gpa+len)}, for native I/O straight into guest RAM. */
    public long hostAddress(long gpa, long len) {
        int i = check(gpa, len);
        return regions[i].hostAddress() + (gpa - regions[i].guestAddress());
    }

    public byte readByte(long gpa) {
        int i = check(gpa, 1);
        return views[i].getByte(gpa - regions[i].guestAddress());
    }

    public short readShort(long gpa) {
        int i = check(gpa, 2);
        return views[i].getShort(gpa - regions[i].guestAddress());
    }

    public int readInt(long gpa) {
        int i = check(gpa, 4);
        return views[i].getInt(gpa - regions[i].guestAddress());
    }

    public long readLong(long gpa) {
        int i = check(gpa, 8);
        return views[i].getLong(gpa - regions[i].guestAddress());
    }

    public void writeByte(long gpa, byte v) {
        int i = check(gpa, 1);
        views[i].putByte(gpa - regions[i].guestAddress(), v);
    }

    public void writeShort(long gpa, short v) {
        int i = check(gpa, 2);
        views[i].putShort(gpa - regions[i].guestAddress(), v);
    }

    public void writeInt(long gpa, int v) {
        int i = check(gpa, 4);
        views[i].putInt(gpa - regions[i].guestAddress(), v);
    }

    public void writeLong(long gpa, long v) {
        int i = check(gpa, 8);
        views[i].putLong(gpa - regions[i].guestAddress(), v);
    }

    /** Copies {@code len} bytes at {@code gpa} into {@code dst[off..]}. */
    public void read(long gpa, byte[] dst, int off, int len) {
        int i = check(gpa, len);
        views[i].get(gpa - regions[i].guestAddress(), dst, off, len);
    }

    /** Copies {@code src[off..off+len)} to {@code gpa}. */
    public void write(long gpa, byte[] src, int off, int len) {
        int i = check(gpa, len);
        views[i].put(gpa - regions[i].guestAddress(), src, off, len);
    }

    /** Fills {@code [gpa, gpa+len)} with zeros. */
    public void zero(long gpa, long len) {
        int i = check(gpa, len);
        views[i].setMemory(gpa - regions[i].guestAddress(), len, (byte) 0);
    }

    /** Gives {@code [gpa, gpa+len)} back to the host; it reads as zeros afterwards (balloon). */
    public void discard(long gpa, long len) throws NativeException {
        long host = hostAddress(gpa, len);
        if (LibC.get().madvise(host, len, LibC.MADV_DONTNEED) != 0) {
            throw NativeException.last("madvise(MADV_DONTNEED)");
        }
    }

    /** Unmaps the RAM. No access may follow. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Region r : regions) {
            LibC.get().munmap(r.hostAddress(), r.size());
        }
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Region r : regions) {
            parts.add(String.format("[0x%x, 0x%x)", r.guestAddress(), r.guestAddress() + r.size()));
        }
        return "GuestMemory" + parts;
    }
}
