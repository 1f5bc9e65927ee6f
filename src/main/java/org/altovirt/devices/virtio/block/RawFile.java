package org.altovirt.devices.virtio.block;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import jnr.ffi.Pointer;
import org.altovirt.devices.virtio.Descriptor;
import org.altovirt.devices.virtio.GuestBuffers;
import org.altovirt.memory.GuestMemory;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A raw disk image (regular file or block device) read and written with pread/pwrite straight
 * into guest RAM.
 *
 * <p>With {@code direct}, I/O bypasses the host page cache (O_DIRECT). O_DIRECT wants file
 * offsets, lengths and memory aligned to the device's logical block: guest buffers that are
 * 512-aligned go straight to the kernel, others through a page-aligned bounce buffer. A file
 * system that refuses O_DIRECT at open gets buffered I/O and a warning; a request that O_DIRECT
 * still refuses (EINVAL: a disk with larger logical blocks) is redone buffered, with one warning.
 * A second, buffered descriptor is kept for that; Linux keeps the page cache coherent around
 * direct I/O, so mixing them is safe.
 */
public final class RawFile implements BlockBackend {
    private static final Logger LOG = LoggerFactory.getLogger(RawFile.class);
    /** Alignment tried for zero-copy O_DIRECT: the virtio-blk sector. */
    static final int DIRECT_ALIGN = 512;
    /** Size of the bounce buffer; requests larger than this go through it in pieces. */
    static final int BOUNCE_SIZE = 1 << 20;

    /** Opens a path, returning a descriptor or {@code -errno}: the C library's open, or a test's stand-in. */
    interface Opener {
        int open(String path, int flags);
    }

    static final Opener LIBC_OPENER = (path, flags) -> {
        int fd = LibC.get().open(path, flags, 0);
        return fd >= 0 ? fd : -Native.errno();
    };

    private final Path path;
    private final boolean readOnly;
    private final int fd;
    private final int directFd;
    private final long size;
    private final long bounce;
    private final AtomicBoolean warnedDirectRefused = new AtomicBoolean();
    private boolean closed;

    private RawFile(Path path, boolean readOnly, int fd, int directFd, long size, long bounce) {
        this.path = path;
        this.readOnly = readOnly;
        this.fd = fd;
        this.directFd = directFd;
        this.size = size;
        this.bounce = bounce;
    }

    /**
     * Opens {@code file} read-only or read-write, with O_DIRECT when {@code direct} and the file
     * system allows it.
     *
     * @throws IOException naming the file and the system's reason when it cannot be opened
     */
    public static RawFile open(Path file, boolean readOnly, boolean direct) throws IOException {
        return open(file, readOnly, direct, LIBC_OPENER);
    }

    static RawFile open(Path file, boolean readOnly, boolean direct, Opener opener) throws IOException {
        LibC c = LibC.get();
        String p = file.toString();
        int flags = (readOnly ? LibC.O_RDONLY : LibC.O_RDWR) | LibC.O_CLOEXEC;
        int fd = opener.open(p, flags);
        if (fd < 0) {
            throw new NativeException("open " + p + (readOnly ? " read-only" : " read-write"), -fd);
        }
        int directFd = -1;
        long bounce = 0;
        try {
            if (direct) {
                int d = opener.open(p, flags | LibC.O_DIRECT);
                if (d == -LibC.EINVAL) {
                    LOG.warn("{}: the file system does not support O_DIRECT (direct=on); using buffered I/O", p);
                } else if (d < 0) {
                    throw new NativeException("open " + p + " with O_DIRECT", -d);
                } else {
                    directFd = d;
                }
            }
            long size = c.lseek(fd, 0, LibC.SEEK_END);
            if (size < 0) {
                throw NativeException.last("lseek to the end of " + p);
            }
            if (directFd >= 0) {
                // mmap: page-aligned, which O_DIRECT needs of memory.
                Pointer mapped = c.mmap(null, BOUNCE_SIZE, LibC.PROT_READ | LibC.PROT_WRITE,
                        LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
                if (mapped == null || mapped.address() == LibC.MAP_FAILED) {
                    throw NativeException.last("mmap of an O_DIRECT bounce buffer for " + p);
                }
                bounce = mapped.address();
            }
            return new RawFile(file, readOnly, fd, directFd, size, bounce);
        } catch (IOException | RuntimeException e) {
            c.close(fd);
            if (directFd >= 0) {
                c.close(directFd);
            }
            throw e;
        }
    }

    /** Whether I/O goes around the host page cache (O_DIRECT was asked for and accepted). */
    public boolean direct() {
        return directFd >= 0;
    }

    public Path path() {
        return path;
    }

    @Override
    public long sizeBytes() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void read(long offset, GuestMemory memory, GuestBuffers into) throws IOException {
        transfer(false, offset, memory, into);
    }

    @Override
    public void write(long offset, GuestMemory memory, GuestBuffers from) throws IOException {
        if (readOnly) {
            throw new IOException(path + " is open read-only");
        }
        transfer(true, offset, memory, from);
    }

    private synchronized void transfer(boolean write, long offset, GuestMemory memory, GuestBuffers buffers)
            throws IOException {
        if (closed) {
            throw new IOException(path + " is closed");
        }
        if (directFd >= 0) {
            try {
                if (aligned(offset, memory, buffers)) {
                    straight(directFd, write, offset, memory, buffers);
                } else {
                    bounced(write, offset, memory, buffers);
                }
                return;
            } catch (NativeException e) {
                if (e.errno() != LibC.EINVAL) {
                    throw e;
                }
                if (warnedDirectRefused.compareAndSet(false, true)) {
                    LOG.warn("{}: O_DIRECT refused a {}-byte {} at offset {} ({}); such requests go through the page cache",
                            path, buffers.length(), write ? "write" : "read", offset, e.getMessage());
                }
            }
        }
        straight(fd, write, offset, memory, buffers);
    }

    private static boolean aligned(long offset, GuestMemory memory, GuestBuffers buffers) {
        if (offset % DIRECT_ALIGN != 0) {
            return false;
        }
        for (Descriptor d : buffers.parts()) {
            if (d.length() % DIRECT_ALIGN != 0 || memory.hostAddress(d.address(), d.length()) % DIRECT_ALIGN != 0) {
                return false;
            }
        }
        return true;
    }

    /** Each buffer to or from the file with its own system call, no copy. */
    private void straight(int fd, boolean write, long offset, GuestMemory memory, GuestBuffers buffers)
            throws IOException {
        long at = offset;
        for (Descriptor d : buffers.parts()) {
            io(fd, write, memory.hostAddress(d.address(), d.length()), d.length(), at);
            at += d.length();
        }
    }

    /** Through the aligned bounce buffer, a piece at a time. */
    private void bounced(boolean write, long offset, GuestMemory memory, GuestBuffers buffers) throws IOException {
        long total = buffers.length();
        for (long done = 0; done < total; done += BOUNCE_SIZE) {
            long chunk = Math.min(BOUNCE_SIZE, total - done);
            GuestBuffers piece = buffers.slice(done, chunk);
            if (write) {
                copy(memory, piece, true);
                io(directFd, true, bounce, chunk, offset + done);
            } else {
                io(directFd, false, bounce, chunk, offset + done);
                copy(memory, piece, false);
            }
        }
    }

    private void copy(GuestMemory memory, GuestBuffers piece, boolean toBounce) {
        Pointer buffer = Native.pointer(bounce, BOUNCE_SIZE);
        long at = 0;
        for (Descriptor d : piece.parts()) {
            Pointer guest = Native.pointer(memory.hostAddress(d.address(), d.length()), d.length());
            if (toBounce) {
                guest.transferTo(0, buffer, at, d.length());
            } else {
                buffer.transferTo(at, guest, 0, d.length());
            }
            at += d.length();
        }
    }

    /** pread/pwrite of exactly {@code len} bytes, going on after short transfers and EINTR. */
    private void io(int fd, boolean write, long host, long len, long offset) throws IOException {
        LibC c = LibC.get();
        long done = 0;
        while (done < len) {
            Pointer p = Native.pointer(host + done, len - done);
            long n = write ? c.pwrite(fd, p, len - done, offset + done) : c.pread(fd, p, len - done, offset + done);
            if (n < 0) {
                if (Native.errno() == LibC.EINTR) {
                    continue;
                }
                throw NativeException.last((write ? "pwrite " : "pread ") + path + " at offset " + (offset + done));
            }
            if (n == 0) {
                throw new IOException(path + ": end of file at offset " + (offset + done)
                        + " (the file shrank below " + size + " bytes?)");
            }
            done += n;
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (closed) {
            throw new IOException(path + " is closed");
        }
        if (LibC.get().fdatasync(fd) != 0) {
            throw NativeException.last("fdatasync " + path);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC c = LibC.get();
        c.close(fd);
        if (directFd >= 0) {
            c.close(directFd);
            c.munmap(bounce, BOUNCE_SIZE);
        }
    }

    @Override
    public String toString() {
        return "RawFile[" + path + (readOnly ? ", read-only" : "") + (direct() ? ", direct" : "") + "]";
    }
}
