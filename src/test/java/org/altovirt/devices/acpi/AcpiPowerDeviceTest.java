package org.altovirt.devices.acpi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AcpiPowerDeviceTest {
    private final List<String> happened = new ArrayList<>();
    private final AcpiPowerDevice device = new AcpiPowerDevice(5, () -> happened.add("power-off"),
            () -> happened.add("reset"), () -> happened.add("ged"));

    @Test
    void sleepTypeFiveWithSleepEnablePowersOffOnce() {
        device.write(0, 1, (5 << 2) | 0x20);
        device.write(0, 1, (5 << 2) | 0x20);
        assertThat(happened).containsExactly("power-off");
    }

    @Test
    void otherSleepStatesAndWritesWithoutSleepEnableDoNothing() {
        device.write(0, 1, 5 << 2);        // SLP_TYP without SLP_EN
        device.write(0, 1, (3 << 2) | 0x20); // S3: not offered (no _S3)
        device.write(1, 1, 0x80);          // clearing WAK_STS
        assertThat(happened).isEmpty();
        assertThat(device.read(1, 1)).isZero();
    }

    @Test
    void theResetValueResetsAndOtherValuesDoNot() {
        device.write(2, 1, 0x02);
        assertThat(happened).isEmpty();
        device.write(2, 1, AcpiPowerDevice.RESET_VALUE);
        assertThat(happened).containsExactly("reset");
    }

    @Test
    void thePowerButtonRaisesTheGedInterrupt() {
        device.pressPowerButton();
        assertThat(happened).containsExactly("ged");
    }
}
