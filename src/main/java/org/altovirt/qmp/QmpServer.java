package org.altovirt.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QMP server on a Unix socket (docs/facts.md §1): greeting at connect, JSON-stream input, one
 * CRLF-terminated line per reply or event, one client at a time (the next is accepted when the
 * current one leaves). Commands are served on the server's own thread in arrival order; events
 * may come from any thread and are serialised with the replies.
 */
public final class QmpServer implements EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QmpServer.class);
    private static final byte[] CRLF = {'\r', '\n'};

    private final Path path;
    private final ServerSocketChannel listener;
    private final Dispatcher dispatcher;
    private final OutgoingCheck outgoing;
    private final ObjectNode greeting;
    private final ObjectMapper json = new ObjectMapper();
    private final Object writeLock = new Object();
    private volatile SocketChannel client;
    private volatile boolean closed;

    private QmpServer(Path path, ServerSocketChannel listener, Commands commands, ObjectNode greeting) {
        this.path = path;
        this.listener = listener;
        this.outgoing = OutgoingCheck.fromSystemProperties();
        this.dispatcher = new Dispatcher(commands, outgoing);
        this.greeting = greeting;
    }

    /**
     * Creates the socket at {@code path}, readable and writable by its owner only.
     *
     * @throws FileAlreadyExistsException when {@code path} exists (the document requires that it
     *     does not; it is never removed for the user)
     * @throws IOException when the socket cannot be created there
     */
    public static QmpServer bind(Path path, Commands commands, ObjectNode greeting) throws IOException {
        Path target = path.toAbsolutePath();
        if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(path.toString());
        }
        // Bind inside a private directory, narrow the mode, then rename into place: the socket
        // never exists at the user's path with wider permissions than 0600.
        Path parent = target.getParent();
        // (Named from pid and clock rather than createTempDirectory, whose SecureRandom costs
        // tens of milliseconds of start-up.)
        Path staging = Files.createDirectory(
                parent.resolve(".altovirt-qmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime()),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path staged = staging.resolve("s");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            listener.bind(UnixDomainSocketAddress.of(staged));
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-------"));
            if (Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(path.toString());
            }
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            listener.close();
            Files.deleteIfExists(staged);
            throw e;
        } finally {
            Files.deleteIfExists(staging);
        }
        return new QmpServer(target, listener, commands, greeting);
    }

    /**
     * Compiles the schemas every conversation needs on a background thread, so the first command
     * does not wait for the validator to load.
     */
    public static void prepareSchemas(Commands commands) {
        Thread t = new Thread(() -> {
            org.altovirt.schema.SchemaCatalog catalog = org.altovirt.schema.SchemaCatalog.classpath();
            prepareEnvelopes();
            for (String name : commands.names()) {
                catalog.prepare(Commands.schemaPath(name) + "#/$defs/arguments",
                        Commands.schemaPath(name) + "#/$defs/returns");
            }
        }, "qmp-schemas");
        t.setDaemon(true);
        t.start();
    }

    /** Loads the JSON library and compiles the schemas of every message's envelope. */
    public static void prepareEnvelopes() {
        new ObjectMapper().createObjectNode();
        org.altovirt.schema.SchemaCatalog.classpath().prepare(
                "qmp/command.json", "qmp/return.json", "qmp/error.json",
                Commands.schemaPath("qmp_capabilities") + "#/$defs/arguments",
                Commands.schemaPath("qmp_capabilities") + "#/$defs/returns");
    }

    /** Starts accepting clients on a daemon thread named {@code qmp}. */
    public void start() {
        Thread t = new Thread(this::serve, "qmp");
        t.setDaemon(true);
        t.start();
    }

    public Path path() {
        return path;
    }

    private void serve() {
        while (!closed) {
            try (SocketChannel c = listener.accept()) {
                client = c;
                converse(c);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("QMP client connection ended: {}", e.toString());
                }
            } finally {
                client = null;
            }
        }
    }

    private void converse(SocketChannel c) throws IOException {
        send(c, greeting);
        StreamDecoder decoder = new StreamDecoder(json);
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (c.read(buf.clear()) >= 0) {
            for (StreamDecoder.Item item : decoder.feed(buf.array(), 0, buf.position())) {
                if (item instanceof StreamDecoder.Item.Value v) {
                    Dispatcher.Reply reply = dispatcher.dispatch(v.node());
                    send(c, reply.message());
                    reply.afterReply().run();
                } else if (item instanceof StreamDecoder.Item.Malformed m) {
                    send(c, dispatcher.malformed(m.detail()));
                } else if (item instanceof StreamDecoder.Item.Oversized o) {
                    send(c, dispatcher.malformed(
                            "input exceeds " + o.limit() + " bytes without a complete JSON value"));
                    LOG.warn("closing QMP connection: more than {} bytes without a complete value", o.limit());
                    return;
                }
            }
        }
    }

    @Override
    public void emit(String name, ObjectNode data) {
        ObjectNode event = json.createObjectNode();
        event.put("event", name);
        event.set("data", data);
        Instant now = Instant.now();
        ObjectNode ts = event.putObject("timestamp");
        ts.put("seconds", now.getEpochSecond());
        ts.put("microseconds", now.getNano() / 1000);
        String bug = outgoing.check(event, null, "qmp/events/" + name + ".json");
        if (bug != null && outgoing.strict()) {
            return;
        }
        SocketChannel c = client;
        if (c == null) {
            LOG.debug("event {} dropped: no QMP client connected", name);
            return;
        }
        try {
            send(c, event);
        } catch (IOException e) {
            LOG.warn("event {} not delivered: {}", name, e.toString());
        }
    }

    private void send(SocketChannel c, JsonNode message) throws IOException {
        byte[] body = json.writeValueAsBytes(message);
        ByteBuffer out = ByteBuffer.allocate(body.length + 2).put(body).put(CRLF).flip();
        synchronized (writeLock) {
            while (out.hasRemaining()) {
                c.write(out);
            }
        }
    }

    /** Stops accepting, removes the socket file, ends the current connection. */
    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
            // The path goes before the connection does: a client that sees the end of the
            // stream finds the socket already gone.
            Files.deleteIfExists(path);
            SocketChannel c = client;
            if (c != null) {
                synchronized (writeLock) {
                    c.close();
                }
            }
        } catch (IOException e) {
            LOG.warn("closing QMP socket {}: {}", path, e.toString());
        }
    }
}
