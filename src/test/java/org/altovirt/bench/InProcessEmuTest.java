package org.altovirt.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The benchmark's in-process machine boots the conformance guest (built by mvn generate-resources)
 * and times {@code compute} with the guest's instructions counted; skipped when the image is missing.
 */
class InProcessEmuTest {
    private static final Path KERNEL = Path.of(System.getProperty("user.dir"), "target", "guest", "conformance-guest.bzImage");

    private static long deadline() {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    }

    @Test
    void bootsAndComputesWithTheInstructionsCounted() throws Exception {
        assumeTrue(Files.isRegularFile(KERNEL), "no conformance guest image at " + KERNEL + " (mvn generate-resources)");
        try (InProcessEmu emu = InProcessEmu.boot(KERNEL, 256L << 20)) {
            ConsoleTranscript.Line ready = emu.awaitPrompt(deadline());
            assertThat(ready.instructions()).isPositive();

            ComputeRun small = emu.compute(1000, deadline());
            ComputeRun big = emu.compute(20_000, deadline());

            assertThat(small.checksum()).isEqualTo("95c1fa3e17177f7c");
            assertThat(big.checksum()).isEqualTo(ComputeReference.hex(20_000));
            assertThat(small.nanos()).isPositive();
            // The count covers the workload, not the idle prompt: it grows with N by the loop's
            // instructions per iteration, and the rest (parsing, printing) is small beside it.
            double marginal = (double) (big.instructions() - small.instructions()) / (big.n() - small.n());
            double perBig = (double) big.instructions() / big.n();
            assertThat(marginal).isGreaterThan(10);
            assertThat(perBig).isBetween(marginal, marginal * 1.05);
        }
    }

    @Test
    void aGuestThatStopsFailsTheMeasurementInsteadOfHangingIt() throws Exception {
        assumeTrue(Files.isRegularFile(KERNEL), "no conformance guest image at " + KERNEL + " (mvn generate-resources)");
        try (InProcessEmu emu = InProcessEmu.boot(KERNEL, 256L << 20)) {
            emu.awaitPrompt(deadline());
            emu.type("poweroff\r");
            assertThatThrownBy(() -> emu.compute(1000, deadline()))
                    .isInstanceOf(BenchFailure.class)
                    .hasMessageContaining("i8042");
        }
    }
}
