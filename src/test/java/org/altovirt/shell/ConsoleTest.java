package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.altovirt.qmp.client.QmpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code console} with the conformance guest: to the guest's prompt and back with Ctrl-]. */
class ConsoleTest {
    /** The emu interprets every guest instruction: a command takes longer than on KVM. */
    private static final Duration GUEST_PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void consoleReachesTheGuestAndCtrlBracketComesBack() throws Exception {
        try (VmProcess vm = VmProcess.start(RealVm.launcher(), RealVm.guestOptions());
                Screen screen = new Screen()) {
            QmpClient client = vm.connect(GUEST_PATIENCE);
            try {
                client.negotiate();
                InteractiveSession session = new InteractiveSession(screen.terminal(), client, Protocol.discover(client),
                        new InteractiveSession.Settings(false, false, Optional.empty(), vm.consoleSocket()));
                CompletableFuture<Integer> run = CompletableFuture.supplyAsync(session::run);
                screen.await("qmp>");
                screen.type("console\r");
                screen.await("Ctrl-] returns to the prompt");
                screen.type("\r");
                screen.await("altovirt-guest>");
                screen.type("info\r");
                screen.await("entry: 64");
                screen.type("\u001d");
                screen.await("back at the QMP prompt");
                screen.type("query-status\r");
                screen.await("\"status\": \"running\"");
                screen.type("exit\r");
                assertThat(run.get(GUEST_PATIENCE.toSeconds(), TimeUnit.SECONDS)).isZero();
            } finally {
                vm.stop(client);
                client.close();
            }
        }
    }
}
