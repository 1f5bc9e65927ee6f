package org.altovirt;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.sys.LibC;

/**
 * {@code -daemonize}. A JVM cannot fork, so the first process starts a copy of itself in the
 * background (marked by {@value #CHILD_ENV}), waits until that copy's QMP socket exists, and
 * exits; the copy leaves the terminal's session with setsid(2). When the copy fails to start,
 * the first process prints what it said and exits 1, as a foreground start would.
 */
final class Daemon {
    static final String CHILD_ENV = "ALTOVIRT_DAEMON_CHILD";

    private Daemon() {}

    static boolean isChild() {
        return System.getenv(CHILD_ENV) != null;
    }

    /** In the copy: leave the parent's session. */
    static void detach() {
        LibC.get().setsid();
    }

    /** In the first process: start the copy and wait for it to be ready. Returns the exit status. */
    static int launch(String[] args, Path qmpSocket, Duration patience) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        Path output = Files.createTempFile("altovirt-daemon-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(output.toFile())
                    .redirectErrorStream(true);
            pb.environment().put(CHILD_ENV, "1");
            Process child = pb.start();
            Instant deadline = Instant.now().plus(patience);
            while (Instant.now().isBefore(deadline)) {
                if (!child.isAlive()) {
                    System.err.print(Files.readString(output));
                    return child.exitValue() == 0 ? 1 : child.exitValue();
                }
                if (Files.exists(qmpSocket)) {
                    return 0;
                }
                child.waitFor(10, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
            System.err.println("altovirt: -daemonize: the VM did not open its QMP socket within "
                    + patience.toSeconds() + " s; it is still running as pid " + child.pid());
            return 1;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
