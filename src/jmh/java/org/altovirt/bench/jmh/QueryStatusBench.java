package org.altovirt.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.altovirt.machine.QmpVersion;
import org.altovirt.qmp.CommandResult;
import org.altovirt.qmp.Commands;
import org.altovirt.qmp.QmpServer;
import org.altovirt.qmp.StreamDecoder;
import org.altovirt.schema.SchemaCatalog;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process cost of one {@code query-status}, in the server's steps: decode the bytes
 * ({@link StreamDecoder}), check the envelope and the arguments against their schemas, build the
 * reply, check it against its schemas (as the server does for every reply, strict or not), encode
 * it with CRLF. {@link #decodeEncodeOnly} is the same without the schema checks: the baseline that
 * shows what validation costs, as a ratio from the same run. {@link #serverRoundTrip} goes through
 * a real {@link QmpServer} on a temporary Unix socket with a client in the same JVM (socket
 * syscalls and the server thread's wake-up included).
 *
 * <p>Run with {@code ci/bench --jmh} (Maven profile {@code bench}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
@State(Scope.Thread)
public class QueryStatusBench {
    private static final byte[] QUERY_STATUS = "{\"execute\":\"query-status\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF = {'\r', '\n'};
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectMapper json = new ObjectMapper();
    private StreamDecoder decoder;
    private SchemaCatalog.CheckedSchema envelope;
    private SchemaCatalog.CheckedSchema arguments;
    private SchemaCatalog.CheckedSchema returnEnvelope;
    private SchemaCatalog.CheckedSchema returns;

    private Path dir;
    private QmpServer server;
    private SocketChannel client;
    private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        decoder = new StreamDecoder(json);
        SchemaCatalog catalog = SchemaCatalog.classpath();
        envelope = catalog.get("qmp/command.json");
        arguments = catalog.get(Commands.schemaPath("query-status") + "#/$defs/arguments");
        returnEnvelope = catalog.get("qmp/return.json");
        returns = catalog.get(Commands.schemaPath("query-status") + "#/$defs/returns");

        Commands commands = new Commands()
                .register("qmp_capabilities", args -> CommandResult.empty())
                .register("query-status", args -> CommandResult.of(status()));
        dir = Files.createTempDirectory("altovirt-jmh-");
        server = QmpServer.bind(dir.resolve("qmp.sock"), commands, QmpVersion.current().greeting());
        server.start();
        client = SocketChannel.open(StandardProtocolFamily.UNIX);
        client.connect(UnixDomainSocketAddress.of(server.path()));
        readLine(); // greeting
        write("{\"execute\":\"qmp_capabilities\"}".getBytes(StandardCharsets.US_ASCII));
        readLine();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        client.close();
        server.close();
        Files.deleteIfExists(dir);
    }

    /** The handler's value, shaped as altovirt's {@code query-status} answers it. */
    private static ObjectNode status() {
        return NODES.objectNode().put("running", true).put("singlestep", false).put("status", "running");
    }

    private JsonNode decode() {
        List<StreamDecoder.Item> items = decoder.feed(QUERY_STATUS, 0, QUERY_STATUS.length);
        return ((StreamDecoder.Item.Value) items.get(0)).node();
    }

    private static byte[] withCrlf(byte[] body) {
        byte[] out = new byte[body.length + 2];
        System.arraycopy(body, 0, out, 0, body.length);
        System.arraycopy(CRLF, 0, out, body.length, 2);
        return out;
    }

    @Benchmark
    public byte[] decodeValidateEncode() throws IOException {
        JsonNode input = decode();
        if (!envelope.check(input).isEmpty()) {
            throw new IllegalStateException("envelope");
        }
        ObjectNode args = NODES.objectNode();
        if (!arguments.check(args).isEmpty()) {
            throw new IllegalStateException("arguments");
        }
        ObjectNode value = status();
        ObjectNode reply = NODES.objectNode();
        reply.set("return", value);
        if (!returnEnvelope.check(reply).isEmpty() || !returns.check(value).isEmpty()) {
            throw new IllegalStateException("reply");
        }
        return withCrlf(json.writeValueAsBytes(reply));
    }

    @Benchmark
    public byte[] decodeEncodeOnly() throws IOException {
        JsonNode input = decode();
        if (!input.path("execute").asText().equals("query-status")) {
            throw new IllegalStateException("envelope");
        }
        ObjectNode reply = NODES.objectNode();
        reply.set("return", status());
        return withCrlf(json.writeValueAsBytes(reply));
    }

    @Benchmark
    public int serverRoundTrip() throws IOException {
        write(QUERY_STATUS);
        return readLine();
    }

    private void write(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            client.write(b);
        }
    }

    /** Reads one CRLF-terminated line (the server sends one message per line); returns its length. */
    private int readLine() throws IOException {
        in.clear();
        while (true) {
            if (client.read(in) < 0) {
                throw new IOException("server closed the connection");
            }
            int n = in.position();
            if (n >= 2 && in.get(n - 2) == '\r' && in.get(n - 1) == '\n') {
                return n;
            }
        }
    }
}
