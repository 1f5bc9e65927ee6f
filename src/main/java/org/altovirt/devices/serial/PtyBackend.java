package org.altovirt.devices.serial;

import jnr.ffi.Pointer;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code -serial pty}: a new pseudo-terminal in raw mode, whose name is printed on stderr
 * ({@code altovirt: serial on /dev/pts/N}); connect to it with {@code screen}, {@code minicom} or
 * {@code cat}. Data flows through the master side.
 *
 * <p>The VMM keeps the terminal side open itself, so users may come and go without the master
 * seeing a hang-up. While nobody reads, output collects in the kernel's pty buffer (about 20 KiB);
 * when that is full the oldest unread output is discarded to make room, so whoever connects
 * later sees the most recent output, and the guest never waits for a reader.
 */
final class PtyBackend implements SerialBackend {
    private static final Logger LOG = LoggerFactory.getLogger(PtyBackend.class);
    static final int POLLIN = 0x1;
    static final int POLLERR = 0x8;
    static final int POLLHUP = 0x10;
    static final int TCIFLUSH = 0;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    private static final int CHUNK = 4096;

    private final LibC libc = LibC.get();
    private final String name;
    private final int master;
    private final int terminal;
    private final int wake;
    private final Pointer outBuf = Native.allocate(CHUNK);
    private volatile boolean closed;
    private volatile Thread reader;
    private boolean outputFailed;

    private PtyBackend(String name, int master, int terminal, int wake) {
        this.name = name;
        this.master = master;
        this.terminal = terminal;
        this.wake = wake;
    }

    static PtyBackend open(String option) throws SerialException {
        LibC libc = LibC.get();
        int master = libc.posix_openpt(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (master < 0) {
            throw failure(option, NativeException.last("posix_openpt"));
        }
        int terminal = -1;
        int wake = -1;
        try {
            if (libc.grantpt(master) != 0) {
                throw NativeException.last("grantpt");
            }
            if (libc.unlockpt(master) != 0) {
                throw NativeException.last("unlockpt");
            }
            String name = libc.ptsname(master);
            if (name == null) {
                throw NativeException.last("ptsname");
            }
            terminal = libc.open(name, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
            if (terminal < 0) {
                throw NativeException.last("open(" + name + ")");
            }
            RawTerminal.enter(terminal);
            wake = libc.eventfd(0, LibC.EFD_CLOEXEC);
            if (wake < 0) {
                throw NativeException.last("eventfd");
            }
            System.err.println("altovirt: serial on " + name);
            return new PtyBackend(name, master, terminal, wake);
        } catch (NativeException e) {
            for (int fd : new int[] {wake, terminal, master}) {
                if (fd >= 0) {
                    libc.close(fd);
                }
            }
            throw failure(option, e);
        }
    }

    private static SerialException failure(String option, NativeException e) {
        return new SerialException(option + ": cannot create a pseudo-terminal: " + e.getMessage(), e);
    }

    /** The terminal's path, e.g. {@code /dev/pts/3}. */
    String name() {
        return name;
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        int done = 0;
        boolean flushed = false;
        while (done < length && !closed && !outputFailed) {
            int n = Math.min(CHUNK, length - done);
            outBuf.put(0, bytes, offset + done, n);
            long w = libc.write(master, outBuf, n);
            if (w > 0) {
                done += (int) w;
                continue;
            }
            int errno = Native.errno();
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w < 0 && errno == EAGAIN && !flushed) {
                // Nobody is reading: drop what waits unread so the newest output fits.
                libc.tcflush(terminal, TCIFLUSH);
                flushed = true;
                continue;
            }
            if (w < 0 && errno != EAGAIN) {
                outputFailed = true;
                LOG.warn("serial output to {} stopped: {}", name, new NativeException("write", errno).getMessage());
            }
            return; // still full after a flush: drop the rest of this write
        }
    }

    @Override
    public void start(SerialInput input) {
        Thread t = new Thread(() -> pump(input), "serial-pty");
        t.setDaemon(true);
        reader = t;
        t.start();
    }

    private void pump(SerialInput input) {
        Pointer fds = Native.allocate(16); // two struct pollfd: the master, the wake-up eventfd
        fds.putInt(0, master);
        fds.putShort(4, (short) POLLIN);
        fds.putInt(8, wake);
        fds.putShort(12, (short) POLLIN);
        Pointer buf = Native.allocate(CHUNK);
        byte[] bytes = new byte[CHUNK];
        try {
            while (!closed) {
                fds.putShort(6, (short) 0);
                fds.putShort(14, (short) 0);
                if (libc.poll(fds, 2, -1) < 0) {
                    if (Native.errno() == EINTR) {
                        continue;
                    }
                    throw NativeException.last("poll");
                }
                if (closed || fds.getShort(14) != 0) {
                    return;
                }
                short events = fds.getShort(6);
                if ((events & POLLIN) != 0) {
                    long n = libc.read(master, buf, CHUNK);
                    if (n > 0) {
                        buf.get(0, bytes, 0, (int) n);
                        input.receive(bytes, 0, (int) n);
                    } else if (n < 0 && Native.errno() != EAGAIN && Native.errno() != EINTR) {
                        throw NativeException.last("read");
                    }
                } else if ((events & (POLLHUP | POLLERR)) != 0) {
                    // Cannot happen while the VMM holds the terminal side; do not spin if it does.
                    LOG.warn("serial input from {} stopped: the pseudo-terminal hung up", name);
                    return;
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (NativeException e) {
            if (!closed) {
                LOG.warn("serial input from {} stopped: {}", name, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        Thread t = reader;
        if (t != null) {
            Pointer one = Native.allocate(8);
            one.putLong(0, 1);
            libc.write(wake, one, 8);
            t.interrupt();
            try {
                // The reader must be out of poll/read before the descriptors can be reused.
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            libc.close(terminal);
            libc.close(master);
            libc.close(wake);
        }
    }

    @Override
    public String toString() {
        return "serial: pty " + name;
    }
}
