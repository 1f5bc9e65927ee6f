package org.altovirt.devices.net;

import java.io.IOException;
import jnr.ffi.Pointer;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;

/**
 * A host tap device (docs/managing-vms.md, "Hot-Pluggable NICs": {@code ip tuntap add tap0 mode tap}):
 * Ethernet frames without a packet-information header, one per read or write. Opening one by
 * name attaches to an existing tap (or creates it, as the kernel does for a privileged caller).
 * Reads do not block; {@link #awaitReadable} waits for a frame with a timeout.
 */
public final class Tap implements AutoCloseable {
    // linux/if_tun.h, net/if.h (KvmAbiTest checks them against the headers)
    static final long TUNSETIFF = 0x400454CAL;
    static final int IFF_TAP = 0x0002;
    static final int IFF_NO_PI = 0x1000;
    static final int IFNAMSIZ = 16;
    static final int IFREQ_SIZE = 40;
    static final int IFREQ_FLAGS = 16;
    static final short POLLIN = 1;
    static final short POLLERR = 8;
    static final short POLLHUP = 16;
    static final short POLLNVAL = 32;
    private static final int ENOENT = 2;
    private static final int EPERM = 1;
    private static final int EACCES = 13;
    private static final int EBUSY = 16;
    private static final int EAGAIN = 11;
    /** The largest frame read: 64 KiB, more than any MTU a tap is given. */
    public static final int MAX_FRAME = 65536;

    private final String name;
    private final int fd;
    private final Pointer readBuf = Native.allocate(MAX_FRAME);
    private final Pointer writeBuf = Native.allocate(MAX_FRAME);
    private final Pointer pollFd = Native.allocate(8);
    private volatile boolean closed;

    private Tap(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /** Why a tap could not be opened, in words for the user. */
    public static final class TapException extends IOException {
        private static final long serialVersionUID = 1L;

        TapException(String message) {
            super(message);
        }
    }

    public static Tap open(String ifname) throws TapException {
        if (ifname.isEmpty() || ifname.length() >= IFNAMSIZ || ifname.contains("/") || ifname.contains(" ")) {
            throw new TapException("tap '" + ifname + "': an interface name has 1 to " + (IFNAMSIZ - 1)
                    + " characters, without '/' or spaces");
        }
        LibC c = LibC.get();
        int fd = c.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            int e = Native.errno();
            throw new TapException("tap '" + ifname + "': cannot open /dev/net/tun: " + (e == ENOENT
                    ? "this host has no tun/tap support" : e == EACCES || e == EPERM ? "permission denied" : c.strerror(e)));
        }
        Pointer ifr = Native.allocate(IFREQ_SIZE);
        byte[] n = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ifr.put(0, n, 0, n.length);
        ifr.putShort(IFREQ_FLAGS, (short) (IFF_TAP | IFF_NO_PI));
        if (c.ioctl(fd, TUNSETIFF, ifr) < 0) {
            int e = Native.errno();
            c.close(fd);
            throw new TapException("tap '" + ifname + "': " + switch (e) {
                case EPERM, EACCES -> "not allowed to attach to it (it belongs to another user, or creating it needs CAP_NET_ADMIN)";
                case EBUSY -> "it is in use by another process";
                default -> c.strerror(e) + " (errno " + e + ")";
            });
        }
        return new Tap(ifname, fd);
    }

    public String name() {
        return name;
    }

    /**
     * Waits up to {@code millis} for a frame to read; false on timeout (or once closed). An error
     * or hang-up on the fd (the tap was deleted) counts as readable: the read then says what it is.
     */
    public boolean awaitReadable(int millis) {
        if (closed) {
            return false;
        }
        pollFd.putInt(0, fd);
        pollFd.putShort(4, POLLIN);
        pollFd.putShort(6, (short) 0);
        int rc = LibC.get().poll(pollFd, 1, millis);
        return rc > 0 && (pollFd.getShort(6) & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) != 0;
    }

    /** The next frame into {@code into}; its length, or 0 when none is waiting. */
    public int read(byte[] into) throws NativeException {
        long n = LibC.get().read(fd, readBuf, Math.min(into.length, MAX_FRAME));
        if (n < 0) {
            int e = Native.errno();
            if (e == EAGAIN) {
                return 0;
            }
            throw new NativeException("read from tap " + name, e);
        }
        readBuf.get(0, into, 0, (int) n);
        return (int) n;
    }

    /** Sends one frame (to the host side of the tap). */
    public synchronized void write(byte[] frame, int length) throws NativeException {
        writeBuf.put(0, frame, 0, length);
        long n = LibC.get().write(fd, writeBuf, length);
        if (n < 0) {
            throw NativeException.last("write to tap " + name);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.get().close(fd);
        }
    }

    @Override
    public String toString() {
        return "tap " + name;
    }
}
