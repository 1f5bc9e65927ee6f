package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.altovirt.qmp.client.QmpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell at a (virtual) terminal against a QMP server: what a user types and then sees. */
class InteractiveSessionTest {
    @TempDir
    Path dir;

    private FakeVm vm;
    private Screen screen;
    private QmpClient client;
    private CompletableFuture<Integer> session;

    @BeforeEach
    void setUp() throws Exception {
        vm = new FakeVm(dir);
        screen = new Screen();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close(); // ends a session still at its prompt
        }
        if (session != null) {
            session.get(Screen.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        }
        screen.close();
        vm.close();
    }

    private void start(boolean echo) throws Exception {
        client = QmpClient.connect(vm.socket, Screen.PATIENCE);
        client.negotiate();
        Protocol protocol = Protocol.discover(client);
        InteractiveSession s = new InteractiveSession(screen.terminal(), client, protocol,
                new InteractiveSession.Settings(echo, false, Optional.of(dir.resolve("history")), Optional.empty()));
        session = CompletableFuture.supplyAsync(s::run);
        try {
            screen.await(InteractiveSession.PROMPT.strip()); // rows are read without trailing blanks
        } catch (AssertionError e) {
            if (session.isCompletedExceptionally()) {
                session.join(); // throws what ended the session
            }
            throw e;
        }
    }

    private int ended() throws Exception {
        return session.get(Screen.PATIENCE.toSeconds(), TimeUnit.SECONDS);
    }

    @Test
    void tabCompletesACommandName() throws Exception {
        start(false);
        screen.type("query-sta\t");
        assertThat(screen.await("qmp> query-status")).contains("qmp> query-status");
        screen.type("\r");
        screen.await("\"status\": \"running\"");
    }

    @Test
    void tabListsTheCommandsAPrefixLeavesOpen() throws Exception {
        start(false);
        screen.type("query-b\t");
        screen.await("qmp> query-balloon");
        screen.type("\u0015que\t"); // Ctrl-U clears the line
        String shown = screen.await("query-migrate");
        assertThat(shown).contains("qmp> query-", "query-cpus", "query-version");
    }

    @Test
    void tabCompletesDottedArgumentNamesAndEnumValues() throws Exception {
        start(false);
        screen.type("blockdev-add fi\t");
        screen.await("qmp> blockdev-add file.");
        screen.type("d\t");
        screen.await("qmp> blockdev-add file.driver=");
        screen.type("\t");
        screen.await("qmp> blockdev-add file.driver=file");
    }

    @Test
    void aReplyIsPrintedBelowTheCommand() throws Exception {
        start(false);
        screen.type("query-status\r");
        screen.await("{\"return\": {\"running\": true, \"singlestep\": false, \"status\": \"running\"}}");
        String shown = screen.awaitLastLine("qmp>");
        assertThat(shown).containsSubsequence("qmp> query-status", "\"status\": \"running\"", "qmp>");
    }

    @Test
    void anErrorReplyShowsItsClassAndDescription() throws Exception {
        start(false);
        screen.type("device_del id=drive-0\r");
        screen.await("error: DeviceNotFound: Device 'drive-0' not found");
        assertThat(vm.typed()).containsExactly("device_del {\"id\":\"drive-0\"}");
    }

    @Test
    void anInputItsSchemaRejectsIsNotSent() throws Exception {
        start(false);
        screen.type("stop force=1\r");
        screen.await("not sent: force: unknown: stop takes no arguments");
        screen.type("query-status\r");
        screen.await("\"status\": \"running\"");
        assertThat(vm.typed()).containsExactly("query-status");
        assertThat(vm.running()).isTrue();
    }

    @Test
    void anEventAppearsAboveTheLineBeingTypedWhichIsKept() throws Exception {
        start(false);
        screen.type("query-st");
        screen.await("qmp> query-st");
        vm.emit("RESUME");
        screen.await("event RESUME");
        String shown = screen.awaitLastLine("qmp> query-st"); // the line being typed, redrawn below the event
        assertThat(shown).containsSubsequence("event RESUME", "qmp> query-st");
        assertThat(shown.lines().filter(l -> l.startsWith("qmp>")).count()).as("one prompt on the screen: %s", shown).isEqualTo(1);
        screen.type("atus\r");
        screen.await("\"status\": \"running\"");
        assertThat(vm.typed()).containsExactly("query-status");
    }

    @Test
    void echoShowsTheJsonSentForTheShortForm() throws Exception {
        start(true);
        screen.type("balloon value=2G\r");
        screen.await("-> {\"execute\":\"balloon\",\"arguments\":{\"value\":2147483648}}");
        screen.await("error: DeviceNotActive");
    }

    @Test
    void rawJsonMaySpanLines() throws Exception {
        start(false);
        screen.type("{\"execute\":\r");
        screen.await("...>");
        screen.type("\"stop\"}\r");
        screen.await("event STOP");
        screen.await("{\"return\": {}}");
        assertThat(vm.typed()).containsExactly("stop");
    }

    @Test
    void helpDescribesACommandAndItsArguments() throws Exception {
        start(false);
        screen.type("help balloon\r");
        String shown = screen.await("Example: balloon value=N");
        assertThat(shown).contains("balloon: Sets the guest memory size through the balloon device.",
                "value  integer (or size: 2G), required  The target guest memory size in bytes");
    }

    @Test
    void exitEndsTheSessionAndKeepsTheHistory() throws Exception {
        start(false);
        screen.type("query-status\r");
        screen.await("\"status\"");
        screen.type("exit\r");
        assertThat(ended()).isZero();
        assertThat(Files.readString(dir.resolve("history"))).contains("query-status");
    }

    @Test
    void quitEndsTheSessionWhenTheVmCloses() throws Exception {
        start(false);
        screen.type("quit\r");
        screen.await("the VM has quit");
        assertThat(ended()).isZero();
    }

    @Test
    void theVmGoingAwayEndsThePrompt() throws Exception {
        start(false);
        screen.type("query-st");
        vm.close();
        screen.await("the connection to the VM has closed");
        assertThat(ended()).isZero();
    }

    @Test
    void consoleWithoutASerialSocketSaysHowToGetOne() throws Exception {
        start(false);
        screen.type("console\r");
        screen.await("no serial socket known");
        screen.type("exit\r");
        assertThat(ended()).isZero();
    }

    @Test
    void ctrlCClearsTheLineAndCtrlDLeaves() throws Exception {
        start(false);
        screen.type("stop\u0003");
        screen.type("\u0004");
        assertThat(ended()).isZero();
        assertThat(vm.typed()).isEmpty();
    }
}
