package org.altovirt.qmp.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.altovirt.qmp.CommandResult;
import org.altovirt.qmp.Commands;
import org.altovirt.qmp.ErrorClass;
import org.altovirt.qmp.QmpException;
import org.altovirt.qmp.QmpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real server on a real socket, in one process. */
class QmpClientTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private QmpServer server;
    private Path socket;
    private volatile boolean paused;

    @BeforeEach
    void startServer() throws Exception {
        socket = dir.resolve("qmp.sock");
        Commands commands = new Commands()
                .register("qmp_capabilities", a -> CommandResult.empty())
                .register("stop", a -> {
                    if (paused) {
                        throw QmpException.generic("VM is already paused");
                    }
                    paused = true;
                    server.emit("STOP", NODES.objectNode());
                    return CommandResult.empty();
                })
                .register("quit", a -> CommandResult.emptyThen(() -> {
                    server.emit("SHUTDOWN", NODES.objectNode().put("guest", false).put("reason", "host-qmp-quit"));
                    server.close();
                }))
                .register("device_del", a -> {
                    throw new QmpException(ErrorClass.DeviceNotFound, "Device '" + a.get("id").asText() + "' not found");
                });
        ObjectNode greeting = NODES.objectNode();
        ObjectNode version = greeting.putObject("QMP").putObject("version");
        version.putObject("qemu").put("micro", 1).put("minor", 0).put("major", 5);
        version.put("package", "altovirt-test");
        greeting.with("QMP").putArray("capabilities");
        server = QmpServer.bind(socket, commands, greeting);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void theSocketIsCreatedForItsOwnerOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(Files.list(dir)).as("no staging left behind").containsExactly(socket);
    }

    @Test
    void anExistingPathIsNeverReplaced() throws Exception {
        Path taken = dir.resolve("taken");
        Files.writeString(taken, "data");
        assertThatThrownBy(() -> QmpServer.bind(taken, new Commands(), NODES.objectNode()))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(taken)).isEqualTo("data");
    }

    @Test
    void connectReadsTheGreetingAndExecuteReturnsTheValue() throws Exception {
        try (QmpClient client = QmpClient.connect(socket, PATIENCE)) {
            assertThat(client.greeting().at("/QMP/version/package").asText()).isEqualTo("altovirt-test");
            client.negotiate();
            assertThat(client.execute("stop").isObject()).isTrue();
        }
    }

    @Test
    void anEventSentBeforeTheReplyIsThereWhenExecuteReturns() throws Exception {
        try (QmpClient client = QmpClient.connect(socket, PATIENCE)) {
            client.execute("stop");
            assertThat(client.pendingEvents()).extracting(QmpEvent::name).containsExactly("STOP");
            QmpEvent stop = client.awaitEvent("STOP", Duration.ZERO.plusMillis(1));
            assertThat(stop.timestamp()).isBetween(java.time.Instant.now().minusSeconds(60), java.time.Instant.now());
            assertThat(client.pendingEvents()).isEmpty();
        }
    }

    @Test
    void errorRepliesBecomeExceptionsWithClassAndDesc() throws Exception {
        try (QmpClient client = QmpClient.connect(socket, PATIENCE)) {
            ObjectNode args = NODES.objectNode().put("id", "drive-0");
            assertThatThrownBy(() -> client.execute("device_del", args))
                    .isInstanceOfSatisfying(QmpErrorReply.class, e -> {
                        assertThat(e.errorClass()).isEqualTo("DeviceNotFound");
                        assertThat(e.desc()).isEqualTo("Device 'drive-0' not found");
                    });
        }
    }

    @Test
    void awaitEventGivesUpAtItsDeadline() throws Exception {
        try (QmpClient client = QmpClient.connect(socket, PATIENCE)) {
            assertThatThrownBy(() -> client.awaitEvent("RESUME", Duration.ofMillis(50)))
                    .isInstanceOf(TimeoutException.class);
        }
    }

    @Test
    void listenersSeeEventsAndShutdownFollowsQuitsReply() throws Exception {
        try (QmpClient client = QmpClient.connect(socket, PATIENCE)) {
            CopyOnWriteArrayList<String> seen = new CopyOnWriteArrayList<>();
            client.onEvent(e -> seen.add(e.name()));
            client.execute("quit");
            QmpEvent shutdown = client.awaitEvent("SHUTDOWN", PATIENCE);
            assertThat(shutdown.data().toString()).isEqualTo("{\"guest\":false,\"reason\":\"host-qmp-quit\"}");
            assertThat(client.awaitClosed(PATIENCE)).isTrue();
            assertThat(seen).containsExactly("SHUTDOWN");
            assertThat(socket).doesNotExist();
        }
    }

    @Test
    void theNextClientIsServedWhenTheFirstLeaves() throws Exception {
        QmpClient first = QmpClient.connect(socket, PATIENCE);
        first.execute("stop");
        first.close();
        try (QmpClient second = QmpClient.connect(socket, PATIENCE)) {
            assertThatThrownBy(() -> second.execute("stop")).hasMessageContaining("already paused");
        }
    }

    @Test
    void connectGivesUpWhenNoServerAppears() {
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("none.sock"), Duration.ofMillis(100)))
                .hasMessageContaining("cannot connect to QMP socket");
    }
}
