package org.altovirt.shell;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.altovirt.qmp.CommandResult;
import org.altovirt.qmp.Commands;
import org.altovirt.qmp.ErrorClass;
import org.altovirt.qmp.QmpException;
import org.altovirt.qmp.QmpServer;

/**
 * A QMP server in the test's process with this build's schemas (so its dispatcher checks every
 * command and reply as altovirt's does), a run state that stop and cont change, and a record of
 * the commands that reached it: what the shell did not send is not there.
 */
final class FakeVm implements AutoCloseable {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    QmpServer server; // set once, after the handlers that use it are built
    final Path socket;
    final List<String> received = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;

    FakeVm(Path dir) throws Exception {
        socket = dir.resolve("qmp.sock");
        Commands commands = new Commands()
                .register("qmp_capabilities", a -> done("qmp_capabilities"))
                .register("query-qmp-schema", a -> {
                    received.add("query-qmp-schema");
                    return CommandResult.of(TestProtocol.entries());
                })
                .register("query-status", a -> {
                    received.add("query-status");
                    return CommandResult.of(NODES.objectNode().put("running", running).put("singlestep", false)
                            .put("status", running ? "running" : "paused"));
                })
                .register("stop", a -> {
                    received.add("stop");
                    running = false;
                    server.emit("STOP", NODES.objectNode());
                    return CommandResult.empty();
                })
                .register("cont", a -> {
                    received.add("cont");
                    running = true;
                    server.emit("RESUME", NODES.objectNode());
                    return CommandResult.empty();
                })
                .register("balloon", a -> {
                    received.add("balloon " + a);
                    throw new QmpException(ErrorClass.DeviceNotActive, "No balloon device has been activated");
                })
                .register("device_del", a -> {
                    received.add("device_del " + a);
                    throw new QmpException(ErrorClass.DeviceNotFound, "Device '" + a.get("id").asText() + "' not found");
                })
                .register("quit", a -> {
                    received.add("quit");
                    return CommandResult.emptyThen(() -> {
                        server.emit("SHUTDOWN", NODES.objectNode().put("guest", false).put("reason", "host-qmp-quit"));
                        server.close();
                    });
                });
        ObjectNode greeting = NODES.objectNode();
        ObjectNode version = greeting.putObject("QMP").putObject("version");
        version.putObject("qemu").put("micro", 1).put("minor", 0).put("major", 5);
        version.put("package", "altovirt-test");
        greeting.with("QMP").putArray("capabilities");
        server = QmpServer.bind(socket, commands, greeting);
        server.start();
    }

    private CommandResult done(String name) {
        received.add(name);
        return CommandResult.empty();
    }

    void emit(String event) {
        server.emit(event, NODES.objectNode());
    }

    boolean running() {
        return running;
    }

    /** The commands received after the shell's own start-up (negotiation and schema discovery). */
    List<String> typed() {
        return received.stream().filter(c -> !c.equals("qmp_capabilities") && !c.equals("query-qmp-schema")).toList();
    }

    @Override
    public void close() {
        server.close();
    }
}
