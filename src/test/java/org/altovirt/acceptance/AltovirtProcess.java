package org.altovirt.acceptance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code ./altovirt} launcher, started as a user would, with its output captured in
 * files. The suite turns on strict schema checking of everything the server sends.
 */
final class AltovirtProcess implements AutoCloseable {
    static final Path LAUNCHER = Path.of(System.getProperty("user.dir"), "altovirt");

    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private AltovirtProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static AltovirtProcess start(Workspace ws, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.addAll(args);
        Path out = Files.createTempFile(ws.dir(), "stdout-", ".txt");
        Path err = Files.createTempFile(ws.dir(), "stderr-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(ws.dir().toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("ALTOVIRT_JAVA_OPTS", "-Daltovirt.qmp.strict=true");
        pb.environment().putAll(ws.environment());
        return new AltovirtProcess(pb.start(), out, err);
    }

    /** Types {@code text} on the process's standard input (the guest console with -serial stdio). */
    void type(String text) throws IOException {
        process.getOutputStream().write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        process.getOutputStream().flush();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the exit status. */
    int awaitExit(Duration patience) throws InterruptedException {
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("altovirt still running after " + patience + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    void terminate() {
        process.destroy();
    }

    String stdout() {
        return read(stdout);
    }

    String stderr() {
        return read(stderr);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
