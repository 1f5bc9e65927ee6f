package org.altovirt.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A VMM process (altovirt, QEMU) whose serial console is its stdin and stdout ({@code -serial
 * stdio}): a reader thread feeds stdout into the {@link ConsoleTranscript}, stamping each line
 * feed as it is read; typing writes to stdin. stderr goes to a file, quoted when it fails.
 */
final class ConsoleProcess implements ComputeGuest {
    private final String name;
    private final Process process;
    private final OutputStream stdin;
    private final Path stderr;
    private final ConsoleTranscript console = new ConsoleTranscript(null);
    private final Thread reader;
    private final long startNanos;

    private ConsoleProcess(String name, List<String> command, Path dir, Path stderr) throws IOException {
        this.name = name;
        this.stderr = stderr;
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(stderr.toFile());
        startNanos = System.nanoTime();
        process = pb.start();
        stdin = process.getOutputStream();
        reader = new Thread(this::read, "bench-" + name + "-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code command} in {@code dir}; its stderr goes to {@code stderr}. */
    static ConsoleProcess start(String name, List<String> command, Path dir, Path stderr) throws BenchFailure {
        try {
            return new ConsoleProcess(name, command, dir, stderr);
        } catch (IOException e) {
            throw new BenchFailure("cannot start " + name + " (" + String.join(" ", command) + "): " + e.getMessage(), e);
        }
    }

    private void read() {
        byte[] buf = new byte[8192];
        try (InputStream out = process.getInputStream()) {
            int n;
            while ((n = out.read(buf)) > 0) {
                console.accept(buf, 0, n);
            }
        } catch (IOException e) {
            console.close(name + "'s stdout failed: " + e.getMessage());
        }
        String status = exitStatus();
        console.close((status.endsWith("still running") ? name + " closed its stdout" : status)
                + "; its stderr:\n" + stderrHead());
    }

    /** Whether and how the process ended, waiting a little for it (a closed stdin usually means it is exiting). */
    private String exitStatus() {
        try {
            if (process.waitFor(2, TimeUnit.SECONDS)) {
                return name + " exited with status " + process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return name + " is still running";
    }

    /** When the process was spawned. */
    long startNanos() {
        return startNanos;
    }

    long pid() {
        return process.pid();
    }

    /** The first lines the process wrote to stderr. */
    String stderrHead() {
        try {
            return Files.readAllLines(stderr).stream().limit(20).reduce((a, b) -> a + "\n" + b).orElse("");
        } catch (IOException e) {
            return "(cannot read " + stderr + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public ConsoleTranscript console() {
        return console;
    }

    @Override
    public void type(String text) throws BenchFailure {
        try {
            stdin.write(text.getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        } catch (IOException e) {
            throw new BenchFailure("cannot type into " + name + "'s stdin (" + e.getMessage() + "): " + exitStatus()
                    + "; console ends:\n" + console.tail(), e);
        }
    }

    /** SIGSTOP / SIGCONT to the process and its descendants (should a launcher ever fork rather than exec). */
    private void signal(String sig) throws BenchFailure {
        if (!process.isAlive()) {
            // Its pid may belong to another process by now.
            throw new BenchFailure("cannot send SIG" + sig + " to " + name + ": " + exitStatus() + "; console ends:\n"
                    + console.tail());
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + sig, Long.toString(process.pid())));
        process.descendants().forEach(h -> cmd.add(Long.toString(h.pid())));
        try {
            Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new BenchFailure(String.join(" ", cmd) + " failed: " + said);
            }
        } catch (IOException e) {
            throw new BenchFailure("cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchFailure("interrupted while running " + String.join(" ", cmd));
        }
    }

    @Override
    public void pause() throws BenchFailure {
        signal("STOP");
    }

    @Override
    public void resume() throws BenchFailure {
        signal("CONT");
    }

    @Override
    public void close() {
        try {
            // A stopped process would take SIGTERM only once continued.
            signal("CONT");
        } catch (BenchFailure ignored) {
            // it may be gone already
        }
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
