package org.altovirt.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.Test;

/**
 * A real kernel, where there is one: the file named by the system property
 * {@code altovirt.test.kernel}, else the host's first readable {@code /boot/vmlinuz-*}. Its real
 * setup header must be accepted. Skipped when there is none.
 */
class RealKernelTest {

    private static Optional<Path> hostKernel() throws IOException {
        String named = System.getProperty("altovirt.test.kernel");
        if (named != null && !named.isBlank()) {
            return Optional.of(Path.of(named));
        }
        Path boot = Path.of("/boot");
        if (!Files.isDirectory(boot)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(boot)) {
            return files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .filter(Files::isRegularFile)
                    .filter(Files::isReadable)
                    .sorted()
                    .findFirst();
        }
    }

    @Test
    void realKernelIsAcceptedAndEnteredWhereItsFormatSays() throws Exception {
        Optional<Path> kernel = hostKernel();
        assumeTrue(kernel.isPresent(), "no -Daltovirt.test.kernel and no readable /boot/vmlinuz-* on this machine");
        try (GuestMemory memory = GuestMemory.anonymous(512 << 20)) {
            BootImage img = LinuxLoader.load(memory, kernel.get(), null, "console=ttyS0",
                    List.of("virtio_mmio.device=512@0xf0100000:5"));

            assertThat(img.cpu().rip()).isBetween(img.kernelStart(), img.kernelEnd() - 1);
            assertThat(memory.readInt(0x7000 + 0x202)).as("HdrS").isEqualTo(0x5372_6448);
            if (img.format() == BootImage.Format.BZIMAGE) {
                assertThat(img.cpu().rip()).isEqualTo(0x10_0200);
                assertThat(memory.readShort(0x7000 + 0x206) & 0xFFFF).isGreaterThanOrEqualTo(0x020C);
                int sects = memory.readByte(0x7000 + 0x1F1) & 0xFF;
                long setup = ((sects == 0 ? 4 : sects) + 1) * 512L;
                assertThat(img.kernelEnd()).isGreaterThanOrEqualTo(0x10_0000 + Files.size(kernel.get()) - setup);
            }
        }
    }
}
