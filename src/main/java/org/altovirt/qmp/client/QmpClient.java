package org.altovirt.qmp.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.altovirt.qmp.StreamDecoder;

/**
 * A QMP client over a Unix socket, for the shell and the tests: connect, read the greeting,
 * negotiate, execute commands one at a time, and receive events as they arrive. A reader thread
 * separates replies from events, so an event sent before a command's reply (STOP before
 * {@code stop}'s return) is already recorded when {@link #execute} returns.
 */
public final class QmpClient implements AutoCloseable {
    private final ObjectMapper json = new ObjectMapper();
    private final SocketChannel channel;
    private final Object lock = new Object();
    private final ArrayDeque<JsonNode> replies = new ArrayDeque<>();
    private final List<QmpEvent> events = new ArrayList<>();
    private final List<Consumer<QmpEvent>> listeners = new CopyOnWriteArrayList<>();
    private JsonNode greeting;
    private boolean closed;
    private String closeReason = "connection closed by the server";
    private Duration replyTimeout = Duration.ofSeconds(30);

    private QmpClient(SocketChannel channel) {
        this.channel = channel;
        Thread reader = new Thread(this::read, "qmp-client-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Connects to the socket at {@code path}, retrying while it does not exist yet or refuses,
     * until {@code patience} has passed; then waits for the greeting.
     */
    public static QmpClient connect(Path path, Duration patience) throws IOException, TimeoutException {
        Instant deadline = Instant.now().plus(patience);
        IOException last;
        do {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(path));
                QmpClient client = new QmpClient(ch);
                client.awaitGreeting(deadline);
                return client;
            } catch (IOException e) {
                ch.close();
                last = e;
            }
            pause(Duration.ofMillis(10));
        } while (Instant.now().isBefore(deadline));
        throw new IOException("cannot connect to QMP socket " + path + ": " + last.getMessage(), last);
    }

    /** How long {@link #execute} waits for a reply (default 30 s). */
    public QmpClient replyTimeout(Duration timeout) {
        this.replyTimeout = timeout;
        return this;
    }

    /** The greeting the server sent at connect. */
    public JsonNode greeting() {
        synchronized (lock) {
            return greeting;
        }
    }

    /** Sends {@code qmp_capabilities}. */
    public void negotiate() throws IOException, QmpErrorReply, TimeoutException {
        execute("qmp_capabilities");
    }

    /** Executes {@code command} without arguments; returns the value of {@code return}. */
    public JsonNode execute(String command) throws IOException, QmpErrorReply, TimeoutException {
        return execute(command, null);
    }

    /** Executes {@code command}; returns the value of {@code return}, or throws the error reply. */
    public JsonNode execute(String command, ObjectNode arguments) throws IOException, QmpErrorReply, TimeoutException {
        ObjectNode message = json.createObjectNode().put("execute", command);
        if (arguments != null) {
            message.set("arguments", arguments);
        }
        JsonNode reply = send(message);
        if (reply.has("error")) {
            JsonNode e = reply.get("error");
            throw new QmpErrorReply(e.path("class").asText(), e.path("desc").asText());
        }
        return reply.get("return");
    }

    /** Sends any message and returns the raw reply ({@code return} or {@code error} object). */
    public JsonNode send(JsonNode message) throws IOException, TimeoutException {
        synchronized (this) {
            write(json.writeValueAsBytes(message));
            return awaitReply(Instant.now().plus(replyTimeout));
        }
    }

    /** Writes raw bytes, for tests of the wire format; replies are read with {@link #awaitReply}. */
    public void write(byte[] bytes) throws IOException {
        ByteBuffer out = ByteBuffer.wrap(bytes);
        synchronized (channel) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }
    }

    /** The next reply not yet taken, waiting until {@code deadline}. */
    public JsonNode awaitReply(Instant deadline) throws IOException, TimeoutException {
        synchronized (lock) {
            while (replies.isEmpty()) {
                if (closed) {
                    throw new IOException(closeReason);
                }
                waitUntil(deadline, "a reply");
            }
            return replies.poll();
        }
    }

    /** Takes the earliest event named {@code name} received and not yet taken, waiting for one until {@code patience} has passed. */
    public QmpEvent awaitEvent(String name, Duration patience) throws TimeoutException, IOException {
        Instant deadline = Instant.now().plus(patience);
        synchronized (lock) {
            while (true) {
                for (Iterator<QmpEvent> it = events.iterator(); it.hasNext(); ) {
                    QmpEvent e = it.next();
                    if (e.name().equals(name)) {
                        it.remove();
                        return e;
                    }
                }
                if (closed) {
                    throw new IOException(closeReason + " before event " + name);
                }
                waitUntil(deadline, "event " + name);
            }
        }
    }

    /** The events received and not yet taken, oldest first. */
    public List<QmpEvent> pendingEvents() {
        synchronized (lock) {
            return List.copyOf(events);
        }
    }

    /** Calls {@code listener} on the reader thread for every event from now on. */
    public void onEvent(Consumer<QmpEvent> listener) {
        listeners.add(listener);
    }

    /** Waits until the server has closed the connection; true if it did before {@code patience} passed. */
    public boolean awaitClosed(Duration patience) {
        Instant deadline = Instant.now().plus(patience);
        synchronized (lock) {
            while (!closed) {
                try {
                    waitUntil(deadline, "the connection to close");
                } catch (TimeoutException e) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void awaitGreeting(Instant deadline) throws IOException {
        synchronized (lock) {
            while (greeting == null) {
                if (closed) {
                    throw new IOException(closeReason + " before the greeting");
                }
                try {
                    waitUntil(deadline, "the greeting");
                } catch (TimeoutException e) {
                    throw new IOException("no QMP greeting", e);
                }
            }
        }
    }

    private void read() {
        StreamDecoder decoder = new StreamDecoder(json, Integer.MAX_VALUE);
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        try {
            while (channel.read(buf.clear()) >= 0) {
                for (StreamDecoder.Item item : decoder.feed(buf.array(), 0, buf.position())) {
                    if (item instanceof StreamDecoder.Item.Value v) {
                        accept(v.node());
                    } else if (item instanceof StreamDecoder.Item.Malformed m) {
                        throw new IOException("server sent malformed JSON: " + m.detail());
                    }
                }
            }
        } catch (IOException e) {
            synchronized (lock) {
                if (!closed) {
                    closeReason = channel.isOpen() ? "connection failed: " + e.getMessage() : "connection closed";
                }
            }
        } finally {
            synchronized (lock) {
                closed = true;
                lock.notifyAll();
            }
        }
    }

    private void accept(JsonNode message) {
        if (message.has("event")) {
            JsonNode ts = message.path("timestamp");
            QmpEvent event = new QmpEvent(message.get("event").asText(),
                    message.path("data").isObject() ? (ObjectNode) message.get("data") : json.createObjectNode(),
                    Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000));
            synchronized (lock) {
                events.add(event);
                lock.notifyAll();
            }
            listeners.forEach(l -> l.accept(event));
            return;
        }
        synchronized (lock) {
            if (greeting == null && message.has("QMP")) {
                greeting = message;
            } else {
                replies.add(message);
            }
            lock.notifyAll();
        }
    }

    /** Waits on {@link #lock} (held by the caller) until notified or {@code deadline}. */
    private void waitUntil(Instant deadline, String what) throws TimeoutException {
        long ms = Duration.between(Instant.now(), deadline).toMillis();
        if (ms <= 0) {
            throw new TimeoutException("timed out waiting for " + what);
        }
        try {
            lock.wait(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted waiting for " + what);
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
