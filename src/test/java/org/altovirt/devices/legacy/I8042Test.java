package org.altovirt.devices.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.altovirt.bus.Bus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The controller as Linux's i8042 driver and its reboot path use it, through the port bus. */
class I8042Test {
    private static final int OBF = 0x01;
    private static final int IBF = 0x02;
    private static final int AUXDATA = 0x20;

    private final AtomicInteger resets = new AtomicInteger();
    private final Bus pio = new Bus("pio");

    @BeforeEach
    void map() {
        I8042 kbc = new I8042(resets::incrementAndGet);
        pio.insert(I8042.DATA_PORT, 1, kbc.dataPort());
        pio.insert(I8042.COMMAND_PORT, 1, kbc.commandPort());
    }

    private int status() {
        return (int) pio.read(I8042.COMMAND_PORT, 1);
    }

    private void command(int cmd) {
        assertThat(status() & IBF).as("input buffer free before a command").isZero();
        pio.write(I8042.COMMAND_PORT, 1, cmd);
    }

    private void data(int b) {
        pio.write(I8042.DATA_PORT, 1, b);
    }

    /** Linux's i8042_wait_read then read: the result must be there at once. */
    private int result() {
        assertThat(status() & OBF).as("a result is waiting").isEqualTo(OBF);
        int b = (int) pio.read(I8042.DATA_PORT, 1);
        assertThat(status() & OBF).as("reading empties the output buffer").isZero();
        return b;
    }

    @Test
    void rebootThroughTheControllerCallsTheResetOnceHoweverOftenItIsRepeated() {
        // Linux reboot=k: up to ten times { wait for IBF clear; outb(0xFE, 0x64) }.
        for (int i = 0; i < 10; i++) {
            command(0xFE);
        }
        assertThat(resets).hasValue(1);
    }

    @Test
    void writingTheOutputPortWithTheResetLineLowResets() {
        command(0xD1);
        data(0x03); // reset line high: still running
        assertThat(resets).hasValue(0);
        command(0xD0);
        assertThat(result()).isEqualTo(0x03);
        command(0xD1);
        data(0x02);
        assertThat(resets).hasValue(1);
    }

    @Test
    void pulseCommandsResetOnlyWhenTheyPulseBitZero() {
        command(0xFF); // pulses nothing
        assertThat(resets).hasValue(0);
        command(0xF0);
        assertThat(resets).hasValue(1);
    }

    @Test
    void selfTestsPass() {
        command(0xAA);
        assertThat(result()).isEqualTo(0x55);
        command(0xAB);
        assertThat(result()).as("keyboard interface test").isEqualTo(0x00);
        assertThat(status() & 0x04).as("system flag after POST").isNotZero();
        assertThat(status() & 0x10).as("keyboard not inhibited (no keylock warning)").isNotZero();
    }

    @Test
    void theCommandByteRoundTripsAndFollowsEnableAndDisableCommands() {
        command(0x20);
        int ctr = result();
        command(0x20);
        assertThat(result()).as("a stable CTR read").isEqualTo(ctr);

        command(0x60);
        data(0x56);
        command(0x20);
        assertThat(result()).isEqualTo(0x56);

        command(0xAE);
        command(0x20);
        assertThat(result() & 0x10).as("keyboard enabled").isZero();
        command(0xAD);
        command(0x20);
        assertThat(result() & 0x10).as("keyboard disabled").isNotZero();
        command(0xA7);
        command(0x20);
        assertThat(result() & 0x20).as("aux disabled").isNotZero();
        command(0xA8);
        command(0x20);
        assertThat(result() & 0x20).as("aux enabled").isZero();
    }

    @Test
    void theAuxPortReadsAsAbsentWithoutWaiting() {
        // i8042_check_aux: AUX_LOOP must not come back as aux data, then AUX_TEST must fail.
        command(0xD3);
        data(0x5A);
        assertThat(status() & (OBF | AUXDATA)).isEqualTo(OBF);
        command(0xA9);
        int test = result();
        assertThat(test).isNotIn(0x00, 0xFA, 0xFF);
    }

    @Test
    void readsNeverThrowAndNothingButResetCommandsReset() {
        for (int cmd = 0; cmd < 0xF0; cmd++) {
            command(cmd);
            for (int size : new int[] {1, 2, 4}) {
                pio.read(I8042.DATA_PORT, size);
                pio.read(I8042.COMMAND_PORT, size);
            }
            data(0xFF); // a parameter, or a byte for the absent keyboard
            assertThat(status() & IBF).isZero();
        }
        assertThat(resets).as("0xD1 with 0xFF keeps the reset line high").hasValue(0);
        assertThat(pio.read(I8042.DATA_PORT, 1)).isBetween(0L, 0xFFL);
    }

    @Test
    void anEmptyOutputBufferReadsTheLastByteAgain() {
        command(0xAA);
        assertThat(result()).isEqualTo(0x55);
        assertThat(pio.read(I8042.DATA_PORT, 1)).isEqualTo(0x55);
    }
}
