package org.altovirt.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark drives a VMM's stdio console: a stand-in VMM (a bash script speaking the
 * conformance guest's console protocol: banner, prompt, echo, {@code compute N} answers) shows
 * that a run is timed and parsed, survives a pause, and that a VMM that exits fails the run.
 */
class ConsoleProcessTest {
    /** Echoes typed bytes; on CR answers {@code compute N} with a fixed checksum, or exits on {@code quit}. */
    private static final String FAKE_GUEST = """
            printf '\\r\\naltovirt conformance guest 1.0\\r\\nready\\r\\naltovirt-guest> '
            line=""
            while IFS= read -r -n1 -d '' c; do
                if [ "$c" = $'\\r' ]; then
                    printf '\\r\\n'
                    case "$line" in
                        "compute "*) printf 'compute: n=%s checksum=0123456789abcdef\\r\\n' "${line#compute }" ;;
                        quit) exit 3 ;;
                    esac
                    printf 'altovirt-guest> '
                    line=""
                else
                    printf '%s' "$c"
                    line+="$c"
                fi
            done
            """;

    @TempDir
    Path dir;

    private ConsoleProcess start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash");
        Path script = dir.resolve("fake-guest.sh");
        Files.writeString(script, FAKE_GUEST);
        return ConsoleProcess.start("fake", List.of("/bin/bash", script.toString()), dir, dir.resolve("fake.err"));
    }

    private static long deadline() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    }

    @Test
    void timesAndParsesComputeAcrossAPause() throws Exception {
        try (ConsoleProcess vmm = start()) {
            vmm.awaitPrompt(deadline());
            ComputeRun first = vmm.compute(1234, deadline());
            vmm.pause();
            vmm.resume();
            ComputeRun second = vmm.compute(99, deadline());

            assertThat(first.n()).isEqualTo(1234);
            assertThat(first.checksum()).isEqualTo("0123456789abcdef");
            assertThat(first.nanos()).isPositive();
            assertThat(first.instructions()).isEqualTo(-1); // not counted outside the JVM
            assertThat(second.n()).isEqualTo(99);
            // The fake's checksum is not the host's: the bench would fail the run on it.
            assertThat(ComputeReference.hex(first.n())).isNotEqualTo(first.checksum());
        }
    }

    @Test
    void aVmmThatExitsFailsTheRunWithItsStatus() throws Exception {
        try (ConsoleProcess vmm = start()) {
            vmm.awaitPrompt(deadline());
            vmm.type("quit\r");
            assertThatThrownBy(() -> vmm.compute(10, deadline()))
                    .isInstanceOf(BenchFailure.class)
                    .hasMessageContaining("exited with status 3");
        }
    }
}
