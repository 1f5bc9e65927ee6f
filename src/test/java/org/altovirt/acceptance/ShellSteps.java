package org.altovirt.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import io.cucumber.java.After;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opentest4j.TestAbortedException;

/**
 * Steps that run the real {@code shell/altovirt-shell}: with a script or piped commands (output
 * captured in files), or in a real terminal under tmux (keys sent, the screen read back).
 */
public final class ShellSteps {
    static final Path SHELL = Path.of(System.getProperty("user.dir"), "shell", "altovirt-shell");
    /** A VM the shell starts boots the conformance guest on the interpreter; scripts finish well within this. */
    static final Duration PATIENCE = Duration.ofSeconds(120);

    private final World world;
    private Process shell;
    private Path out;
    private Path err;
    private String tmux;

    public ShellSteps(World world) {
        this.world = world;
    }

    @Given("a shell script {string} containing:")
    public void aShellScript(String name, String text) throws IOException {
        Files.writeString(world.workspace.file(name), world.workspace.expand(text) + "\n");
    }

    @When("the shell runs the script {string} against the VM")
    public void runsTheScript(String name) throws Exception {
        awaitVmSocket();
        run(List.of("--script", world.workspace.file(name).toString(), "--socket", world.workspace.socket().toString()), "");
    }

    @When("the shell runs with {string} these commands against the VM:")
    public void runsCommandsAgainstTheVm(String options, String commands) throws Exception {
        awaitVmSocket();
        List<String> args = new ArrayList<>(world.workspace.words(options));
        args.addAll(List.of("--socket", world.workspace.socket().toString()));
        run(args, commands);
    }

    @When("the shell runs with {string} these commands:")
    public void runsCommands(String options, String commands) throws Exception {
        run(world.workspace.words(options), commands);
    }

    /** Starts the shell with {@code stdin} on a pipe (so not a terminal: it reads commands from it). */
    private void run(List<String> args, String stdin) throws IOException {
        List<String> command = new ArrayList<>(List.of(SHELL.toString()));
        command.addAll(args);
        out = Files.createTempFile(world.workspace.dir(), "shell-out-", ".txt");
        err = Files.createTempFile(world.workspace.dir(), "shell-err-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(world.workspace.dir().toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        environment(pb);
        shell = pb.start();
        shell.getOutputStream().write(world.workspace.expand(stdin).getBytes(StandardCharsets.UTF_8));
        shell.getOutputStream().close();
    }

    private void environment(ProcessBuilder pb) {
        // the VM a shell starts checks everything it sends, as the suite's own VMs do
        pb.environment().put("ALTOVIRT_JAVA_OPTS", "-Daltovirt.qmp.strict=true");
        pb.environment().put("ALTOVIRT_SHELL_HISTORY", world.workspace.file("shell-history").toString());
    }

    /** The shell connects with a short patience; a VM just started may not have its socket yet. */
    private void awaitVmSocket() throws InterruptedException {
        Instant deadline = Instant.now().plus(World.PATIENCE);
        while (!Files.exists(world.workspace.socket())) {
            if (world.vm != null && !world.vm.isAlive()) {
                throw new AssertionError("altovirt ended before its socket opened; stderr: " + world.vm.stderr());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("no QMP socket at " + world.workspace.socket() + " after " + World.PATIENCE);
            }
            Thread.sleep(20); // polling for the socket, bounded by the deadline above
        }
    }

    @Then("the shell exits with status {int}")
    public void exitsWith(int status) throws Exception {
        if (!shell.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the shell still runs after " + PATIENCE + "; stdout: " + read(out) + "; stderr: " + read(err));
        }
        assertThat(shell.exitValue()).as("exit status; stdout: %s; stderr: %s", read(out), read(err)).isEqualTo(status);
    }

    @Then("the shell printed {string}")
    public void printed(String text) throws Exception {
        awaitEnd();
        assertThat(read(out)).as("stderr: %s", read(err)).contains(world.workspace.expand(text));
    }

    @Then("the shell printed, in order:")
    public void printedInOrder(List<String> texts) throws Exception {
        awaitEnd();
        assertThat(read(out)).as("stderr: %s", read(err)).containsSubsequence(texts);
    }

    @Then("the shell reported {string}")
    public void reported(String text) throws Exception {
        awaitEnd();
        assertThat(read(err)).as("stdout: %s", read(out)).contains(world.workspace.expand(text));
    }

    private void awaitEnd() throws InterruptedException {
        if (!shell.waitFor(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the shell still runs after " + PATIENCE + "; stdout: " + read(out));
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    // ---- a real terminal: tmux ----

    @Given("tmux is installed")
    public void tmuxIsInstalled() throws Exception {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            // not installed: skipped below
        }
        throw new TestAbortedException("tmux is not installed here; the terminal scenario needs it (apt-get install tmux)");
    }

    @When("the shell is started in a terminal with {string}")
    public void startedInATerminal(String options) throws Exception {
        tmux = "altovirt-" + world.workspace.dir().getFileName();
        StringBuilder command = new StringBuilder(quote(SHELL.toString()));
        for (String word : world.workspace.words(options)) {
            command.append(' ').append(quote(word));
        }
        // the exit status, for the last step: the window closes with the shell
        command.append("; echo $? > ").append(quote(world.workspace.file("shell-status").toString()));
        List<String> args = new ArrayList<>(List.of("tmux", "-L", tmux, "new-session", "-d", "-s", "shell",
                "-x", "120", "-y", "40", "-c", world.workspace.dir().toString(), command.toString()));
        ProcessBuilder pb = new ProcessBuilder(args).redirectErrorStream(true);
        environment(pb);
        tmuxCommand(pb);
    }

    @When("{string} is typed in the shell's terminal")
    public void typed(String text) throws Exception {
        tmuxCommand(new ProcessBuilder("tmux", "-L", tmux, "send-keys", "-t", "shell", "-l", text));
    }

    @When("the key {word} is pressed in the shell's terminal")
    public void pressed(String key) throws Exception {
        tmuxCommand(new ProcessBuilder("tmux", "-L", tmux, "send-keys", "-t", "shell", key));
    }

    @Then("the shell's terminal shows {string}")
    public void terminalShows(String text) throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        String screen = "";
        while (Instant.now().isBefore(deadline)) {
            Process p = new ProcessBuilder("tmux", "-L", tmux, "capture-pane", "-p", "-J", "-t", "shell")
                    .redirectErrorStream(true).start();
            screen = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            if (screen.contains(text)) {
                return;
            }
            Thread.sleep(100); // polling the screen, bounded by the deadline above
        }
        throw new AssertionError("the terminal did not show '" + text + "' within " + PATIENCE + "; it shows:\n" + screen);
    }

    @Then("the shell in the terminal ends with status {int}")
    public void terminalShellEnds(int status) throws Exception {
        Path file = world.workspace.file("shell-status");
        Instant deadline = Instant.now().plus(PATIENCE);
        while (!Files.exists(file) || Files.readString(file).isBlank()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the shell in the terminal did not end within " + PATIENCE);
            }
            Thread.sleep(100); // polling for the status file, bounded by the deadline above
        }
        assertThat(Integer.parseInt(Files.readString(file).strip())).isEqualTo(status);
    }

    private void tmuxCommand(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("tmux " + pb.command() + " failed: " + output);
        }
    }

    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Before the world's own clean-up (which ends the VM): end the shell and its terminal. */
    @After(order = 20000)
    public void endShell() throws Exception {
        if (shell != null && shell.isAlive()) {
            shell.destroy(); // the shell quits a VM it started on SIGTERM
            if (!shell.waitFor(20, TimeUnit.SECONDS)) {
                shell.destroyForcibly();
            }
        }
        if (tmux != null) {
            // killing the server sends SIGHUP to the shell, which ends the VM it started
            new ProcessBuilder("tmux", "-L", tmux, "kill-server").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
