package org.altovirt.devices.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.altovirt.config.SerialConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketBackendTest {
    @TempDir
    Path dir;

    private static SocketChannel connect(Path path) throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(path));
    }

    private static void send(SocketChannel c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** Reads until {@code expected} has arrived (the channel is blocking; the test has a timeout). */
    private static String readUntil(SocketChannel c, String expected) throws IOException {
        StringBuilder got = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(256);
        while (!got.toString().contains(expected)) {
            buf.clear();
            if (c.read(buf) < 0) {
                throw new AssertionError("connection closed after '" + got + "', expected '" + expected + "'");
            }
            got.append(new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII));
        }
        return got.toString();
    }

    /** Guest output repeated until the client sees it: output sent before the accept is dropped. */
    private static String guestSaysUntilHeard(SerialBackend backend, SocketChannel c, String s) throws Exception {
        CompletableFuture<String> heard = CompletableFuture.supplyAsync(() -> {
            try {
                return readUntil(c, s);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!heard.isDone()) {
            assertThat(System.nanoTime()).as("client never heard '%s'", s).isLessThan(deadline);
            backend.write(s.getBytes(StandardCharsets.US_ASCII), 0, s.length());
            try {
                heard.get(20, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // not yet accepted: say it again
            }
        }
        assertThat(heard.get()).contains(s);
        return heard.get();
    }

    @Test
    void bytesFlowBothWaysAndANewClientMayConnectAfterTheFirstLeaves() throws Exception {
        Path sock = dir.resolve("console.sock");
        CollectingInput guest = new CollectingInput();
        try (SerialBackend backend = SerialBackend.open(new SerialConfig.UnixSocket(sock, true, true))) {
            backend.start(guest);
            assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

            try (SocketChannel first = connect(sock)) {
                send(first, "root\n");
                guest.awaitEndsWith("root\n");
                guestSaysUntilHeard(backend, first, "Password:");
            }
            try (SocketChannel second = connect(sock)) {
                send(second, "again\n");
                guest.awaitEndsWith("again\n");
                guestSaysUntilHeard(backend, second, "# ");
            }
        }
        assertThat(sock).as("removed on close").doesNotExist();
    }

    @Test
    void outputWithNoClientIsDroppedNotQueued() throws Exception {
        Path sock = dir.resolve("drop.sock");
        try (SerialBackend backend = SerialBackend.open(new SerialConfig.UnixSocket(sock, true, true))) {
            backend.start(new CollectingInput());
            backend.write("lost".getBytes(StandardCharsets.US_ASCII), 0, 4);
            try (SocketChannel c = connect(sock)) {
                assertThat(guestSaysUntilHeard(backend, c, "kept")).doesNotContain("lost").startsWith("kept");
            }
        }
    }

    @Test
    void theGuestReadsClientInputThroughTheUart() throws Exception {
        Path sock = dir.resolve("uart.sock");
        try (SerialBackend backend = SerialBackend.open(new SerialConfig.UnixSocket(sock, true, true))) {
            Uart8250 uart = new Uart8250(() -> {}, backend);
            backend.start(uart);
            try (SocketChannel c = connect(sock)) {
                send(c, "hi");
                StringBuilder got = new StringBuilder();
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (got.length() < 2) { // a polling guest: LSR.DR, then RBR
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    if ((uart.read(5, 1) & 1) != 0) {
                        got.append((char) uart.read(0, 1));
                    }
                }
                assertThat(got).hasToString("hi");
            }
        }
    }

    @Test
    void anExistingPathIsRefusedAndLeftAlone() throws Exception {
        Path sock = dir.resolve("taken.sock");
        Files.writeString(sock, "someone else's");
        assertThatThrownBy(() -> SerialBackend.open(new SerialConfig.UnixSocket(sock, true, true)))
                .isInstanceOf(SerialException.class)
                .hasMessage("-serial unix:" + sock + ",server,nowait: " + sock
                        + " already exists (remove it or choose another path)");
        assertThat(Files.readString(sock)).isEqualTo("someone else's");
    }

    @Test
    void withoutNowaitOpenWaitsForTheFirstClient() throws Exception {
        Path sock = dir.resolve("wait.sock");
        CompletableFuture<SerialBackend> opening = CompletableFuture.supplyAsync(() -> {
            try {
                return SerialBackend.open(new SerialConfig.UnixSocket(sock, true, false));
            } catch (SerialException e) {
                throw new RuntimeException(e);
            }
        });
        Uart8250Test.waitFor(() -> Files.exists(sock), "the socket to appear");
        assertThat(opening).isNotDone();
        try (SocketChannel c = connect(sock); SerialBackend backend = opening.get(5, TimeUnit.SECONDS)) {
            backend.write("first words".getBytes(StandardCharsets.US_ASCII), 0, 11);
            assertThat(readUntil(c, "first words")).isEqualTo("first words");
        }
    }

    @Test
    void asAClientItConnectsToAListeningSocket() throws Exception {
        Path sock = dir.resolve("peer.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            CollectingInput guest = new CollectingInput();
            try (SerialBackend backend = SerialBackend.open(new SerialConfig.UnixSocket(sock, false, false));
                    SocketChannel peer = server.accept()) {
                backend.start(guest);
                backend.write("out".getBytes(StandardCharsets.US_ASCII), 0, 3);
                assertThat(readUntil(peer, "out")).isEqualTo("out");
                send(peer, "in");
                guest.awaitEndsWith("in");
            }
            assertThat(sock).as("a client leaves the peer's socket alone").exists();
        }
    }

    @Test
    void aClientWithNobodyListeningIsAOneLineError() {
        Path sock = dir.resolve("nobody.sock");
        assertThatThrownBy(() -> SerialBackend.open(new SerialConfig.UnixSocket(sock, false, false)))
                .isInstanceOf(SerialException.class)
                .hasMessageStartingWith("-serial unix:" + sock + ": cannot connect to " + sock + ": ");
    }
}
