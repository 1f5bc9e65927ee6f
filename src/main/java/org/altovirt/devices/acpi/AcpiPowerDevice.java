package org.altovirt.devices.acpi;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.altovirt.bus.BusDevice;
import org.altovirt.bus.InterruptLine;

/**
 * The hardware side of the microvm's hardware-reduced ACPI (docs/acpi.md): three one-byte I/O
 * ports the FADT names — sleep control, sleep status and reset — and the Generic Event Device's
 * interrupt, which {@link #pressPowerButton} raises so that the guest's {@code _EVT} method
 * notifies its power button.
 *
 * <p>A guest powers off by writing SLP_EN with the {@code _S5} sleep type to the sleep control
 * register, and resets by writing the FADT's reset value to the reset register; each ends the VM
 * once, through the callbacks. Other values are ignored, as a chipset ignores them. Map it at
 * {@link #PORT_BASE} for {@link #PORT_COUNT} ports.
 */
public final class AcpiPowerDevice implements BusDevice {
    /** The first port: sleep control; then sleep status, then reset. */
    public static final int PORT_BASE = 0x600;
    public static final int PORT_COUNT = 3;
    public static final int SLEEP_CONTROL = PORT_BASE;
    public static final int SLEEP_STATUS = PORT_BASE + 1;
    public static final int RESET = PORT_BASE + 2;
    /** What the guest writes to {@link #RESET}. */
    public static final int RESET_VALUE = 0x01;
    /** The GED's interrupt: the I/O APIC's last pin, clear of the ISA range and the virtio slots. */
    public static final int GED_IRQ = 23;

    /** Sleep control register bits (ACPI 6.5, 4.8.3.7): SLP_TYPx in bits 2-4, SLP_EN bit 5. */
    static final int SLP_TYP_SHIFT = 2;
    static final int SLP_TYP_MASK = 0x7;
    static final int SLP_EN = 0x20;
    /** Sleep status bit 7, WAK_STS: always clear here, since the machine never sleeps. */
    static final int WAK_STS = 0x80;

    private final int s5SleepType;
    private final Runnable powerOff;
    private final Runnable reset;
    private final InterruptLine ged;
    private final AtomicBoolean ended = new AtomicBoolean();

    /**
     * @param s5SleepType the sleep type the DSDT's {@code _S5} names
     * @param powerOff what a guest power-off does (end the VM with guest-shutdown)
     * @param reset what a guest reset does (end the VM with guest-reset)
     * @param ged the Generic Event Device's interrupt line ({@link #GED_IRQ})
     */
    public AcpiPowerDevice(int s5SleepType, Runnable powerOff, Runnable reset, InterruptLine ged) {
        this.s5SleepType = s5SleepType;
        this.powerOff = Objects.requireNonNull(powerOff);
        this.reset = Objects.requireNonNull(reset);
        this.ged = Objects.requireNonNull(ged);
    }

    /** {@code system_powerdown}: the GED's interrupt, which the guest turns into a power-button press. */
    public void pressPowerButton() {
        ged.trigger();
    }

    @Override
    public long read(long offset, int size) {
        // Nothing to report: no wake events, and the control and reset registers read as 0.
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        int v = (int) value & 0xFF;
        if (offset == SLEEP_CONTROL - PORT_BASE) {
            if ((v & SLP_EN) != 0 && ((v >> SLP_TYP_SHIFT) & SLP_TYP_MASK) == s5SleepType) {
                end(powerOff);
            }
        } else if (offset == RESET - PORT_BASE && v == RESET_VALUE) {
            end(reset);
        }
        // The sleep status register's bits are write-1-to-clear, and none is ever set.
    }

    private void end(Runnable action) {
        if (ended.compareAndSet(false, true)) {
            action.run();
        }
    }
}
