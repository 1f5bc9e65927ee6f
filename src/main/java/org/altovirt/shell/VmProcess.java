package org.altovirt.shell;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.altovirt.qmp.client.QmpClient;

/**
 * A VM the shell starts from stratovirt options: the launcher run with the user's options plus a
 * QMP socket (and a serial socket, when the options name no serial) in a private folder; its
 * output goes to a log there. {@link #stop} quits it when the shell ends.
 */
final class VmProcess implements AutoCloseable {
    private static final Duration QUIT_PATIENCE = Duration.ofSeconds(10);

    private final Process process;
    private final Path dir;
    private final Path qmp;
    private final Optional<Path> console;
    private final Path log;

    private VmProcess(Process process, Path dir, Path qmp, Optional<Path> console, Path log) {
        this.process = process;
        this.dir = dir;
        this.qmp = qmp;
        this.console = console;
        this.log = log;
    }

    /** The VM cannot be started or reached; the message says why, with the VM's own output. */
    static final class VmException extends Exception {
        VmException(String message) {
            super(message);
        }
    }

    /**
     * Starts {@code launcher} (the command that runs altovirt, e.g. {@code [/repo/altovirt]}) with
     * {@code options}, adding what the shell needs.
     */
    static VmProcess start(List<String> launcher, List<String> options) throws VmException, IOException {
        Optional<String> qmpOption = valueOf(options, "-qmp");
        Optional<String> serialOption = valueOf(options, "-serial");
        if (options.contains("-daemonize")) {
            throw new VmException("-daemonize: the shell keeps the VM it starts as its child; leave it out");
        }
        if (serialOption.isPresent() && serialOption.get().equals("stdio")) {
            throw new VmException("-serial stdio would share this terminal with the shell; leave -serial out "
                    + "(the shell adds a serial socket that `console` attaches to)");
        }
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "altovirt-shell-");
        List<String> command = new ArrayList<>(launcher);
        command.addAll(options);
        Path qmp;
        if (qmpOption.isPresent()) {
            qmp = unixPath("-qmp", qmpOption.get());
        } else {
            qmp = dir.resolve("qmp.sock");
            command.addAll(List.of("-qmp", "unix:" + qmp + ",server,nowait"));
        }
        Optional<Path> console;
        if (serialOption.isEmpty()) {
            Path s = dir.resolve("console.sock");
            command.addAll(List.of("-serial", "unix:" + s + ",server,nowait"));
            console = Optional.of(s);
        } else {
            console = serialOption.get().startsWith("unix:") && serialOption.get().contains(",server")
                    ? Optional.of(unixPath("-serial", serialOption.get()))
                    : Optional.empty();
        }
        Path log = dir.resolve("altovirt.log");
        Process p = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        return new VmProcess(p, dir, qmp, console, log);
    }

    private static Optional<String> valueOf(List<String> options, String name) {
        int i = options.lastIndexOf(name);
        return i >= 0 && i + 1 < options.size() ? Optional.of(options.get(i + 1)) : Optional.empty();
    }

    private static Path unixPath(String option, String value) throws VmException {
        if (!value.startsWith("unix:")) {
            throw new VmException(option + " " + value + ": the shell needs a unix: socket here");
        }
        String rest = value.substring("unix:".length());
        int comma = rest.indexOf(',');
        return Path.of(comma < 0 ? rest : rest.substring(0, comma));
    }

    long pid() {
        return process.pid();
    }

    Path qmpSocket() {
        return qmp;
    }

    Optional<Path> consoleSocket() {
        return console;
    }

    /** Connects to the VM's QMP socket once it is there; fails at once if the VM ends first. */
    QmpClient connect(Duration patience) throws VmException, IOException, InterruptedException {
        Instant deadline = Instant.now().plus(patience);
        while (true) {
            if (!process.isAlive()) {
                throw new VmException("altovirt ended (status " + process.waitFor() + ") before its QMP socket opened"
                        + output());
            }
            try {
                return QmpClient.connect(qmp, Duration.ofMillis(500));
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new VmException("altovirt's QMP socket " + qmp + " did not open within " + patience.toSeconds()
                            + " s: " + e.getMessage() + output());
                }
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    /** The VM's output so far, for a message; empty when it printed nothing. */
    String output() {
        try {
            String text = Files.readString(log).strip();
            return text.isEmpty() ? "" : "; its output:\n" + text;
        } catch (IOException e) {
            return "";
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Ends the VM: {@code quit} over {@code client} when it is still connected, else (or if that
     * does not end it) SIGTERM, then SIGKILL. Returns its exit status.
     */
    int stop(QmpClient client) throws InterruptedException {
        if (process.isAlive() && client != null) {
            try {
                client.replyTimeout(QUIT_PATIENCE).execute("quit");
            } catch (Exception e) {
                // the connection is gone or the VM is stuck: the signals below still end it
            }
        }
        if (!process.waitFor(QUIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroy();
            if (!process.waitFor(QUIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        return process.exitValue();
    }

    /** Ends the VM if it is still running (SIGTERM, as a shutdown hook can) and removes the private folder. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(QUIT_PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover folder in /tmp is harmless; the VM is what mattered
        }
    }
}
