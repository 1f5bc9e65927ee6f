package org.altovirt.shell;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.altovirt.qmp.client.QmpClient;
import org.altovirt.qmp.client.QmpErrorReply;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.terminal.spi.SystemStream;
import org.jline.terminal.spi.TerminalProvider;

/**
 * {@code shell/altovirt-shell}: a QMP shell for altovirt. Connects to a QMP socket, or starts a VM
 * from stratovirt options and connects to it; negotiates; learns the protocol from the server's
 * schemas; then reads commands at a JLine prompt, or from a script. See {@link ShellOptions#USAGE}.
 */
public final class Shell {
    /** How long a VM the shell started may take to open its QMP socket (a first run trains the CDS archive). */
    private static final Duration VM_START = Duration.ofSeconds(120);
    /** How long to wait for a --socket to appear: a VM started just before the shell may not have made it yet. */
    private static final Duration CONNECT = Duration.ofSeconds(3);

    private Shell() {}

    /**
     * What the shell needs from the machine it runs on.
     *
     * @param launcher the command that starts altovirt ({@code <repo>/altovirt})
     * @param stdinTty whether standard input is a terminal
     * @param stdoutTty whether standard output is a terminal
     * @param history the history file
     */
    record Host(List<String> launcher, boolean stdinTty, boolean stdoutTty, Path history) {}

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.in, System.out, System.err, host()));
    }

    static int run(List<String> args, InputStream in, PrintStream out, PrintStream err, Host host) {
        ShellOptions options;
        try {
            options = ShellOptions.parse(args);
        } catch (ShellOptions.UsageException e) {
            err.println("altovirt-shell: " + e.getMessage() + " (--help explains the options)");
            return 2;
        }
        if (options.help()) {
            out.print(ShellOptions.USAGE);
            return 0;
        }
        Optional<String> script = options.script().filter(s -> !s.equals("-"));
        if (script.isPresent() && !Files.isReadable(Path.of(script.get()))) {
            err.println("altovirt-shell: --script " + script.get() + ": no such readable file");
            return 2; // before a VM is started or reached for nothing
        }
        VmProcess vm = null;
        Thread stopOnSignal = null;
        QmpClient client = null;
        try {
            Optional<Path> console = options.console();
            if (!options.vmOptions().isEmpty()) {
                vm = VmProcess.start(host.launcher(), options.vmOptions());
                // SIGTERM or SIGINT to the shell must not leave the VM behind
                stopOnSignal = new Thread(vm::close, "vm-stop");
                Runtime.getRuntime().addShutdownHook(stopOnSignal);
                client = vm.connect(VM_START);
                console = vm.consoleSocket();
            } else {
                client = QmpClient.connect(options.socket().orElseThrow(), CONNECT);
            }
            client.negotiate();
            Protocol protocol = Protocol.discover(client);
            boolean interactive = options.script().isEmpty() && host.stdinTty();
            if (interactive) {
                return interactive(client, protocol, options, host, console, vm);
            }
            return script(client, protocol, options, host, in, out, err);
        } catch (VmProcess.VmException | Protocol.ProtocolException e) {
            err.println("altovirt-shell: " + e.getMessage());
            return 2;
        } catch (QmpErrorReply e) {
            err.println("altovirt-shell: capability negotiation failed: " + e.getMessage());
            return 2;
        } catch (IOException | TimeoutException e) {
            err.println("altovirt-shell: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 2;
        } finally {
            if (vm != null) {
                try {
                    int status = vm.stop(client);
                    if (status != 0 && client != null) { // else the failure to start has said it already
                        err.println("altovirt-shell: altovirt ended with status " + status + vm.output());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                vm.close();
                try {
                    Runtime.getRuntime().removeShutdownHook(stopOnSignal);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook is running or has run
                }
            }
            if (client != null) {
                try {
                    client.close();
                } catch (IOException e) {
                    // leaving anyway
                }
            }
        }
    }

    private static int interactive(QmpClient client, Protocol protocol, ShellOptions options, Host host,
            Optional<Path> console, VmProcess vm) throws IOException, TimeoutException {
        try (Terminal terminal = TerminalBuilder.builder().name("altovirt-shell").system(true).build()) {
            boolean color = options.color() && host.stdoutTty() && !Terminal.TYPE_DUMB.equals(terminal.getType());
            InteractiveSession session = new InteractiveSession(terminal, client, protocol,
                    new InteractiveSession.Settings(options.echo(), color, Optional.of(host.history()), console));
            Transcript t = session.transcript();
            t.faint("greeting: " + JsonPainter.paintInline(client.greeting()));
            t.note(status(client, protocol, options.socket().orElse(vm == null ? null : vm.qmpSocket())));
            if (vm != null) {
                t.faint("started altovirt (pid " + vm.pid() + ")" + console.map(c -> "; console " + c).orElse("")
                        + "; it is quit when the shell exits");
            }
            try {
                return session.run();
            } finally {
                t.mute();
            }
        }
    }

    /** The one-line status under the greeting: who, where, what state, how to go on. */
    static String status(QmpClient client, Protocol protocol, Path socket) throws IOException, TimeoutException {
        JsonNode version = client.greeting().path("QMP").path("version");
        JsonNode qemu = version.path("qemu");
        String state;
        try {
            state = "VM " + client.execute("query-status").path("status").asText("in an unknown state");
        } catch (QmpErrorReply e) {
            state = "VM state unknown (" + e.getMessage() + ")";
        }
        return version.path("package").asText("QMP server") + " (QMP " + qemu.path("major").asInt() + "."
                + qemu.path("minor").asInt() + "." + qemu.path("micro").asInt() + ") on " + socket + ": " + state
                + "; " + protocol.commandNames().size() + " commands. help lists them, Tab completes, Ctrl-D leaves.";
    }

    private static int script(QmpClient client, Protocol protocol, ShellOptions options, Host host, InputStream in,
            PrintStream out, PrintStream err) throws IOException {
        boolean color = options.color() && host.stdoutTty();
        Transcript t = new Transcript(new StreamSink(out, err, color));
        CommandRunner runner = new CommandRunner(client, t, options.echo());
        client.onEvent(t::event);
        String name = options.script().orElse("-");
        BufferedReader reader = name.equals("-")
                ? new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(Path.of(name));
        try (reader) {
            return new ScriptSession(name.equals("-") ? "stdin" : name, reader, protocol, runner, t).run();
        } finally {
            t.mute();
        }
    }

    /** The host as the launcher script describes it, else as found here. */
    static Host host() {
        Path home = Optional.ofNullable(System.getProperty("altovirt.home")).map(Path::of).orElseGet(Shell::repoOfThisCode);
        String history = Optional.ofNullable(System.getenv("ALTOVIRT_SHELL_HISTORY"))
                .orElse(System.getProperty("user.home") + "/.altovirt_history");
        return new Host(List.of(home.resolve("altovirt").toString()),
                isTerminal("altovirt.shell.stdin-tty", SystemStream.Input),
                isTerminal("altovirt.shell.stdout-tty", SystemStream.Output),
                Path.of(history));
    }

    /** The launcher script tells with a property ({@code [ -t 0 ]} costs nothing there); else JLine asks. */
    private static boolean isTerminal(String property, SystemStream stream) {
        String told = System.getProperty(property);
        if (told != null) {
            return Boolean.parseBoolean(told);
        }
        try {
            return TerminalProvider.load("exec").isSystemStream(stream);
        } catch (IOException | RuntimeException e) {
            return System.console() != null;
        }
    }

    /** The repository this code was built in: {@code target/altovirt.jar} or {@code target/classes} is two levels down. */
    private static Path repoOfThisCode() {
        try {
            Path code = Path.of(Shell.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.toAbsolutePath().getParent().getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of(".").toAbsolutePath();
        }
    }
}
