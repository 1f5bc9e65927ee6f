package org.altovirt.devices.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.altovirt.config.SerialConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBackendTest {
    @TempDir
    Path dir;

    @Test
    void guestOutputLandsInTheFileAsItIsWritten() throws Exception {
        Path log = dir.resolve("console.log");
        try (SerialBackend backend = SerialBackend.open(new SerialConfig.FileOut(log))) {
            backend.write('h');
            backend.write("ello\n".getBytes(StandardCharsets.US_ASCII), 0, 5);
            assertThat(Files.readString(log)).as("visible before close").isEqualTo("hello\n");
        }
    }

    @Test
    void anExistingFileIsTruncatedAsQemuDoes() throws Exception {
        Path log = dir.resolve("old.log");
        Files.writeString(log, "from the previous run, long enough to notice");
        try (SerialBackend backend = SerialBackend.open(new SerialConfig.FileOut(log))) {
            backend.write('x');
        }
        assertThat(Files.readString(log)).isEqualTo("x");
    }

    @Test
    void throughTheUartTheFileGetsWhatTheGuestTransmits() throws Exception {
        Path log = dir.resolve("uart.log");
        try (SerialBackend backend = SerialBackend.open(new SerialConfig.FileOut(log))) {
            Uart8250 uart = new Uart8250(() -> {}, backend);
            backend.start(uart);
            for (byte b : "boot ok".getBytes(StandardCharsets.US_ASCII)) {
                uart.write(0, 1, b);
            }
        }
        assertThat(Files.readString(log)).isEqualTo("boot ok");
    }

    @Test
    void anUnwritablePathIsAOneLineErrorNamingTheOption() {
        Path missing = dir.resolve("no/such/dir/console.log");
        assertThatThrownBy(() -> SerialBackend.open(new SerialConfig.FileOut(missing)))
                .isInstanceOf(SerialException.class)
                .hasMessageStartingWith("-serial file:" + missing + ": ")
                .hasMessageContaining("no such file or directory")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void noneDiscardsOutputAndHasNoInput() throws Exception {
        try (SerialBackend backend = SerialBackend.open(new SerialConfig.None())) {
            backend.start(new CollectingInput());
            backend.write("ignored".getBytes(StandardCharsets.US_ASCII), 0, 7);
            backend.write('!');
        }
    }
}
