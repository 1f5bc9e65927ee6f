package org.altovirt.devices.serial;

import java.io.IOException;
import java.net.BindException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code -serial unix:PATH[,server][,nowait]}: the serial port on a Unix stream socket.
 *
 * <p>As a server, the socket is created at PATH (which must not exist, as for the QMP socket;
 * mode 0600, removed on {@link #close}) and serves one client at a time; the next client is
 * accepted when the current one leaves. Without {@code nowait}, {@link #open} waits for the first
 * client before the guest starts. As a client (no {@code server}), it connects to PATH once.
 *
 * <p>Guest output goes to the connected client. While none is connected it is dropped, as QEMU
 * does; a client that stops reading loses what does not fit in the socket buffer rather than
 * stalling the guest.
 */
final class UnixSocketBackend implements SerialBackend {
    private static final Logger LOG = LoggerFactory.getLogger(UnixSocketBackend.class);

    private final Path path;
    private final ServerSocketChannel listener;
    private final Object writeLock = new Object();
    private SocketChannel first;
    private volatile SocketChannel client;
    private volatile boolean closed;
    private volatile Thread reader;

    private UnixSocketBackend(Path path, ServerSocketChannel listener, SocketChannel first) {
        this.path = path;
        this.listener = listener;
        this.first = first;
        this.client = first;
    }

    static UnixSocketBackend open(String option, Path path, boolean server, boolean nowait) throws SerialException {
        if (!server) {
            SocketChannel c = null;
            try {
                c = SocketChannel.open(UnixDomainSocketAddress.of(path));
                c.configureBlocking(false);
                return new UnixSocketBackend(path, null, c);
            } catch (IOException e) {
                closeQuietly(c);
                throw SerialException.of(option, "cannot connect to " + path, e);
            }
        }
        ServerSocketChannel listener = listen(option, path);
        SocketChannel c = null;
        try {
            if (!nowait) {
                System.err.println("altovirt: waiting for a connection on serial socket " + path);
                c = listener.accept();
                c.configureBlocking(false);
            }
            return new UnixSocketBackend(path, listener, c);
        } catch (IOException e) {
            closeQuietly(c);
            closeQuietly(listener);
            deleteQuietly(path);
            throw SerialException.of(option, "waiting for a client on " + path, e);
        }
    }

    private static ServerSocketChannel listen(String option, Path path) throws SerialException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new SerialException(option + ": " + path + " already exists (remove it or choose another path)");
        }
        ServerSocketChannel listener = null;
        try {
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(path));
        } catch (BindException e) {
            closeQuietly(listener);
            // Lost a race with another creator, or the directory is missing or not writable.
            if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                throw new SerialException(option + ": " + path + " already exists (remove it or choose another path)");
            }
            throw SerialException.of(option, "cannot create a socket at " + path, e);
        } catch (IOException e) {
            closeQuietly(listener);
            throw SerialException.of(option, "cannot create a socket at " + path, e);
        }
        try {
            // The guest's console is a shell: only the owner may connect.
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            closeQuietly(listener);
            deleteQuietly(path);
            throw SerialException.of(option, "cannot restrict the permissions of " + path, e);
        }
        return listener;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        synchronized (writeLock) {
            SocketChannel c = client;
            if (c == null) {
                return;
            }
            try {
                ByteBuffer buf = ByteBuffer.wrap(bytes, offset, length);
                while (buf.hasRemaining() && c.write(buf) > 0) {
                    // non-blocking: stops when the socket buffer is full
                }
                if (buf.hasRemaining()) {
                    LOG.debug("serial client on {} is not reading: {} bytes dropped", path, buf.remaining());
                }
            } catch (IOException e) {
                // The client left; the reader thread sees it too and accepts the next one.
                LOG.debug("serial output to {} dropped: {}", path, e.toString());
            }
        }
    }

    @Override
    public void start(SerialInput input) {
        Thread t = new Thread(() -> serve(input), "serial-unix");
        t.setDaemon(true);
        reader = t;
        t.start();
    }

    private void serve(SerialInput input) {
        try {
            while (!closed) {
                SocketChannel c;
                synchronized (this) {
                    c = first;
                    first = null;
                }
                if (c == null) {
                    if (listener == null) {
                        return; // a client backend connects once
                    }
                    c = listener.accept();
                    c.configureBlocking(false);
                    client = c;
                }
                try {
                    pump(c, input);
                } finally {
                    client = null;
                    closeQuietly(c);
                }
            }
        } catch (InterruptedException e) {
            // closing
        } catch (IOException e) {
            if (!closed) {
                LOG.warn("serial socket {} stopped: {}", path, e.toString());
            }
        }
    }

    /** Feeds the client's bytes to the guest until it disconnects. */
    private void pump(SocketChannel c, SerialInput input) throws IOException, InterruptedException {
        try (Selector selector = Selector.open()) {
            c.register(selector, SelectionKey.OP_READ);
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (!closed) {
                selector.select(); // Thread.interrupt() (from close) wakes it
                selector.selectedKeys().clear();
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                int n;
                try {
                    n = c.read(buf.clear());
                } catch (IOException e) {
                    return; // reset by the peer: same as leaving
                }
                if (n < 0) {
                    return;
                }
                if (n > 0) {
                    input.receive(buf.array(), 0, n);
                }
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Thread t = reader;
        if (t != null) {
            t.interrupt();
        }
        closeQuietly(listener);
        synchronized (this) {
            closeQuietly(first);
            first = null;
        }
        closeQuietly(client);
        if (listener != null) {
            deleteQuietly(path);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            LOG.debug("closing {}: {}", c, e.toString());
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("could not remove serial socket {}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "serial: unix " + (listener != null ? "server " : "client ") + path;
    }
}
