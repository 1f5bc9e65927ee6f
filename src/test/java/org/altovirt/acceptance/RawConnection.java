package org.altovirt.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A QMP connection at the byte level, as {@code ncat -U} would have it: what the client writes
 * goes out unchanged, and what the server sends is split into lines at CRLF, each kept with its
 * terminator so the framing itself can be checked.
 */
final class RawConnection implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EOF = "\u0000EOF";

    private final SocketChannel channel;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private RawConnection(SocketChannel channel) {
        this.channel = channel;
        Thread reader = new Thread(this::read, "raw-qmp-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static RawConnection open(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new RawConnection(ch);
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    void write(byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** The next line with its terminator; fails after {@code patience} or at end of stream. */
    String nextRawLine(Duration patience) throws InterruptedException {
        String line = lines.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new AssertionError("nothing received within " + patience);
        }
        if (line.equals(EOF)) {
            lines.add(EOF);
            throw new AssertionError("the server closed the connection");
        }
        return line;
    }

    JsonNode next(Duration patience) throws InterruptedException, IOException {
        String line = nextRawLine(patience);
        if (!line.endsWith("\r\n")) {
            throw new AssertionError("line not terminated by CRLF: " + line);
        }
        return JSON.readTree(line);
    }

    /** Whether anything at all has arrived and not been read yet. */
    boolean hasUnread() {
        return !lines.isEmpty();
    }

    /** Waits for the end of the stream, skipping lines; true if it came within {@code patience}. */
    boolean awaitEof(Duration patience) throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            if (EOF.equals(line)) {
                lines.add(EOF);
                return true;
            }
        }
        return false;
    }

    private void read() {
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        int previous = -1;
        try {
            while (channel.read(buf.clear()) >= 0) {
                for (int i = 0; i < buf.position(); i++) {
                    byte b = buf.get(i);
                    current.write(b);
                    if (b == '\n' && previous == '\r') {
                        lines.add(current.toString(StandardCharsets.UTF_8));
                        current.reset();
                    }
                    previous = b;
                }
            }
        } catch (IOException e) {
            // the connection ended; the tests see EOF
        } finally {
            if (current.size() > 0) {
                lines.add(current.toString(StandardCharsets.UTF_8));
            }
            lines.add(EOF);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
