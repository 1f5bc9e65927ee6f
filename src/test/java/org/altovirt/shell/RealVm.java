package org.altovirt.shell;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How the shell's tests start a real altovirt: this build's classes run as {@code java -cp
 * <test class path> org.altovirt.Main} (what {@code ./altovirt} runs from the jar, which the unit
 * tests do not have yet), with the conformance guest the build made.
 */
final class RealVm {
    static final Path GUEST = Path.of(System.getProperty("user.dir"), "target", "guest", "conformance-guest.bzImage");

    private RealVm() {}

    static List<String> launcher() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Daltovirt.qmp.strict=true",
                "-cp", System.getProperty("java.class.path"), "org.altovirt.Main");
    }

    /** The conformance guest booted on the interpreter (works on any machine), with its console on the shell's socket. */
    static List<String> guestOptions() {
        assumeTrue(Files.isRegularFile(GUEST), "the conformance guest is built by mvn generate-resources: " + GUEST);
        return List.of("-accel", "emu", "-m", "256", "-kernel", GUEST.toString(), "-append", "console=ttyS0");
    }
}
