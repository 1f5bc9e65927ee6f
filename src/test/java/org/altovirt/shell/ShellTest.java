package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole shell, as altovirt-shell runs it: options, connecting or starting a VM, a script, the exit status. */
class ShellTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int shell(String stdin, String... args) {
        Shell.Host host = new Shell.Host(RealVm.launcher(), false, false, dir.resolve("history"));
        return Shell.run(List.of(args), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), host);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(shell("", "--help")).isZero();
        assertThat(out()).isEqualTo(ShellOptions.USAGE);
    }

    @Test
    void badUsageIsStatusTwoWithOneLine() {
        assertThat(shell("", "--frobnicate")).isEqualTo(2);
        assertThat(err().strip()).isEqualTo("altovirt-shell: unknown option --frobnicate (stratovirt options go after --) "
                + "(--help explains the options)");
    }

    @Test
    void aSocketWithNothingBehindItIsStatusTwo() {
        assertThat(shell("", "--socket", dir.resolve("none.sock").toString())).isEqualTo(2);
        assertThat(err()).contains("cannot connect to QMP socket " + dir.resolve("none.sock"));
    }

    @Test
    void commandsOnAPipedStdinRunAsAScript() throws Exception {
        try (FakeVm vm = new FakeVm(dir)) {
            assertThat(shell("stop\nquery-status\n", "--socket", vm.socket.toString())).isZero();
            assertThat(out()).containsSubsequence("event STOP", "\"status\": \"paused\"");
            assertThat(out()).doesNotContain("\u001b[");
        }
    }

    @Test
    void aScriptFileStopsAtItsFirstErrorWithStatusOne() throws Exception {
        Path script = Files.writeString(dir.resolve("s.qmp"), "query-status\ndevice_del id=nosuch\ncont\n");
        try (FakeVm vm = new FakeVm(dir)) {
            assertThat(shell("", "--script", script.toString(), "--socket", vm.socket.toString())).isEqualTo(1);
            assertThat(err()).contains(script + ":2: device_del failed");
            assertThat(vm.typed()).doesNotContain("cont");
        }
        assertThat(shell("", "--script", dir.resolve("missing.qmp").toString(), "--socket", dir.resolve("x").toString()))
                .isEqualTo(2);
        assertThat(err()).contains("--script " + dir.resolve("missing.qmp") + ": no such readable file");
    }

    @Test
    void theShellStartsAVmRunsTheScriptAndQuitsTheVm() throws Exception {
        Path pidFile = dir.resolve("vm.pid");
        List<String> args = new ArrayList<>(List.of("--echo", "--"));
        args.addAll(RealVm.guestOptions());
        args.addAll(List.of("-pidfile", pidFile.toString()));
        int status = shell("query-status\nballoon value=1G\n", args.toArray(String[]::new));
        assertThat(status).as("stderr: %s", err()).isEqualTo(1); // no balloon device: the second command fails
        assertThat(out()).containsSubsequence("-> {\"execute\":\"query-status\"}", "\"status\": \"running\"",
                "-> {\"execute\":\"balloon\",\"arguments\":{\"value\":1073741824}}", "error: DeviceNotActive");
        // altovirt removes its pid file when it ends cleanly, and no process with these options is left
        assertThat(pidFile).doesNotExist();
        assertThat(ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().orElse("").contains(pidFile.toString())))
                .as("the VM the shell started").isEmpty();
    }

    @Test
    void aVmThatCannotStartIsStatusTwoWithItsMessage() {
        assertThat(shell("", "--", "-m", "64M")).isEqualTo(2);
        assertThat(err()).contains("altovirt ended (status 1) before its QMP socket opened", "-m 64M");
    }

    @Test
    void serialStdioIsRefusedBeforeAnythingStarts() {
        assertThat(shell("", "--", "-m", "256", "-serial", "stdio")).isEqualTo(2);
        assertThat(err()).contains("-serial stdio would share this terminal");
    }
}
