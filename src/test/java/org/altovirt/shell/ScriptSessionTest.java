package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.altovirt.qmp.client.QmpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scripts against a QMP server: replies in order, and the exit status at the first failure. */
class ScriptSessionTest {
    @TempDir
    Path dir;

    private FakeVm vm;
    private QmpClient client;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        vm = new FakeVm(dir);
        client = QmpClient.connect(vm.socket, Screen.PATIENCE);
        client.negotiate();
    }

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        vm.close();
    }

    private int run(String script, boolean echo) throws Exception {
        Protocol protocol = Protocol.discover(client);
        Transcript t = new Transcript(new StreamSink(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false));
        client.onEvent(t::event);
        return new ScriptSession("test.qmp", new BufferedReader(new StringReader(script)), protocol,
                new CommandRunner(client, t, echo), t).run();
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void commandsRunInOrderAndTheirRepliesAndEventsArePrinted() throws Exception {
        int status = run("""
                # pause, look, resume
                stop

                {"execute": "query-status"}
                cont
                """, false);
        assertThat(status).isZero();
        assertThat(out()).containsSubsequence("event STOP", "{\"return\": {}}",
                "\"status\": \"paused\"", "event RESUME", "{\"return\": {}}");
        assertThat(err()).isEmpty();
        assertThat(vm.typed()).containsExactly("stop", "query-status", "cont");
    }

    @Test
    void theFirstErrorReplyStopsTheScriptWithStatusOne() throws Exception {
        int status = run("query-status\ndevice_del id=drive-0\nstop\n", false);
        assertThat(status).isEqualTo(1);
        assertThat(out()).contains("error: DeviceNotFound: Device 'drive-0' not found");
        assertThat(err()).contains("test.qmp:2: device_del failed; the script stops here");
        assertThat(vm.typed()).containsExactly("query-status", "device_del {\"id\":\"drive-0\"}");
    }

    @Test
    void anInputItsSchemaRejectsIsNotSentAndStopsTheScript() throws Exception {
        int status = run("stop force=1\ncont\n", false);
        assertThat(status).isEqualTo(1);
        assertThat(err()).contains("test.qmp:1: not sent: force: unknown: stop takes no arguments");
        assertThat(vm.typed()).isEmpty();
        assertThat(vm.running()).isTrue();
    }

    @Test
    void echoShowsTheJsonBeforeItsReply() throws Exception {
        run("balloon value=512M\n", true);
        assertThat(out()).containsSubsequence("-> {\"execute\":\"balloon\",\"arguments\":{\"value\":536870912}}",
                "error: DeviceNotActive");
    }

    @Test
    void rawJsonMaySpanLinesAndAnUnfinishedOneIsReported() throws Exception {
        assertThat(run("{\n  \"execute\": \"stop\"\n}\nquery-status\n", false)).isZero();
        assertThat(vm.typed()).containsExactly("stop", "query-status");
        assertThat(run("{\"execute\":\n", false)).isEqualTo(1);
        assertThat(err()).contains("test.qmp:1: the JSON that starts here never ends");
    }

    @Test
    void quitEndsTheScriptWithSuccessAndExitEndsItEarly() throws Exception {
        assertThat(run("exit\nstop\n", false)).isZero();
        assertThat(vm.typed()).isEmpty();
        assertThat(run("quit\nstop\n", false)).isZero();
        assertThat(vm.typed()).containsExactly("quit");
    }

    @Test
    void helpPrintsAndConsoleIsRefused() throws Exception {
        assertThat(run("help device_del\nconsole\n", false)).isEqualTo(1);
        assertThat(out()).contains("device_del: Unplugs a device");
        assertThat(err()).contains("test.qmp:2: console needs a terminal");
    }
}
