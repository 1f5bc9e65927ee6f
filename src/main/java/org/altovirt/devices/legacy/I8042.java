package org.altovirt.devices.legacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.altovirt.bus.BusDevice;
import org.altovirt.state.State;
import org.altovirt.state.StateException;

/**
 * The PC keyboard controller, reduced to what a microVM needs: a guest reset line and enough of
 * the controller's protocol that Linux's i8042 driver probes it quickly at boot (docs/facts.md: the
 * reset command 0xFE ends the VM with SHUTDOWN {guest: true, reason: "guest-reset"}; Linux with
 * {@code reboot=k} resets through it).
 *
 * <p>No keyboard or mouse is attached. The controller answers its own commands (command byte,
 * self-tests, port enable/disable, output port); it reports the auxiliary (mouse) port absent, so
 * Linux does not wait for mouse interrupts. Every command answers at once, so the input buffer is
 * never busy and a guest polling the status register never waits.
 *
 * <p>Its two ports are not adjacent: map {@link #dataPort()} at {@value #DATA_PORT} and
 * {@link #commandPort()} at {@value #COMMAND_PORT}, one byte each.
 */
public final class I8042 {
    /** Data port: command results and parameters. */
    public static final int DATA_PORT = 0x60;
    /** Status (read) and command (write) port. */
    public static final int COMMAND_PORT = 0x64;

    // Status register bits.
    private static final int STATUS_OUTPUT_FULL = 0x01;
    private static final int STATUS_SYSTEM_FLAG = 0x04;
    private static final int STATUS_LAST_WAS_COMMAND = 0x08;
    private static final int STATUS_NOT_INHIBITED = 0x10;
    private static final int STATUS_AUX_DATA = 0x20;

    // Command byte (controller configuration) bits.
    private static final int CTR_KBD_INT = 0x01;
    private static final int CTR_SYSTEM_FLAG = 0x04;
    private static final int CTR_KBD_DISABLED = 0x10;
    private static final int CTR_AUX_DISABLED = 0x20;
    private static final int CTR_TRANSLATE = 0x40;
    /** What a BIOS leaves: keyboard interrupt on, POST passed, scan-code translation on. */
    private static final int CTR_AT_BOOT = CTR_KBD_INT | CTR_SYSTEM_FLAG | CTR_TRANSLATE;

    // Controller commands.
    private static final int CMD_READ_CTR = 0x20;
    private static final int CMD_WRITE_CTR = 0x60;
    private static final int CMD_AUX_DISABLE = 0xA7;
    private static final int CMD_AUX_ENABLE = 0xA8;
    private static final int CMD_AUX_TEST = 0xA9;
    private static final int CMD_SELF_TEST = 0xAA;
    private static final int CMD_KBD_TEST = 0xAB;
    private static final int CMD_KBD_DISABLE = 0xAD;
    private static final int CMD_KBD_ENABLE = 0xAE;
    private static final int CMD_READ_OUTPUT_PORT = 0xD0;
    private static final int CMD_WRITE_OUTPUT_PORT = 0xD1;
    private static final int CMD_WRITE_KBD_BUFFER = 0xD2;
    private static final int CMD_WRITE_AUX_BUFFER = 0xD3;
    private static final int CMD_WRITE_AUX = 0xD4;
    /** 0xF0-0xFF pulse the output-port lines whose bit is 0; bit 0 is the CPU reset line. */
    private static final int CMD_PULSE_OUTPUT = 0xF0;

    private static final int SELF_TEST_PASSED = 0x55;
    private static final int INTERFACE_OK = 0x00;
    /** "Clock line stuck high": what the auxiliary port test says when nothing is attached. */
    private static final int AUX_ABSENT = 0x02;
    /** Output port bits: CPU reset not asserted (bit 0, active low), A20 enabled (bit 1). */
    private static final int OUTPUT_PORT_RUNNING = 0x03;
    private static final int OUTPUT_PORT_RESET_LINE = 0x01;

    private final Runnable reset;
    private final AtomicBoolean resetRequested = new AtomicBoolean();
    private final BusDevice data = new Port(true);
    private final BusDevice command = new Port(false);

    private int ctr = CTR_AT_BOOT;
    private int outputPort = OUTPUT_PORT_RUNNING;
    private int status = STATUS_NOT_INHIBITED;
    private int output;
    /** The command waiting for its parameter byte on the data port, or 0. */
    private int awaitingParameter;

    /**
     * @param reset called (once) when the guest resets the machine through the controller; the
     *     machine ends the VM with SHUTDOWN reason "guest-reset"
     */
    public I8042(Runnable reset) {
        this.reset = Objects.requireNonNull(reset, "reset");
    }

    /** The device to map at port {@value #DATA_PORT}, length 1. */
    public BusDevice dataPort() {
        return data;
    }

    /** The device to map at port {@value #COMMAND_PORT}, length 1. */
    public BusDevice commandPort() {
        return command;
    }

    /** One of the two ports; wider accesses use the low byte, as the ISA bus would. */
    private final class Port implements BusDevice {
        private final boolean isData;

        Port(boolean isData) {
            this.isData = isData;
        }

        @Override
        public long read(long offset, int size) {
            return isData ? readData() : readStatus();
        }

        @Override
        public void write(long offset, int size, long value) {
            int b = (int) (value & 0xFF);
            if (isData) {
                writeData(b);
            } else {
                writeCommand(b);
            }
        }
    }

    private synchronized int readStatus() {
        return status | (ctr & CTR_SYSTEM_FLAG);
    }

    /** Reading takes the byte out of the output buffer; with none there, the last one reads again. */
    private synchronized int readData() {
        status &= ~(STATUS_OUTPUT_FULL | STATUS_AUX_DATA);
        return output;
    }

    private void writeCommand(int cmd) {
        boolean doReset;
        synchronized (this) {
            status |= STATUS_LAST_WAS_COMMAND;
            awaitingParameter = 0;
            doReset = command(cmd);
        }
        if (doReset) {
            requestReset();
        }
    }

    /** Runs one controller command; returns whether it resets the machine. */
    private boolean command(int cmd) {
        switch (cmd) {
            case CMD_READ_CTR -> respond(ctr);
            case CMD_WRITE_CTR, CMD_WRITE_OUTPUT_PORT, CMD_WRITE_KBD_BUFFER, CMD_WRITE_AUX_BUFFER,
                    CMD_WRITE_AUX -> awaitingParameter = cmd;
            case CMD_AUX_DISABLE -> ctr |= CTR_AUX_DISABLED;
            case CMD_AUX_ENABLE -> ctr &= ~CTR_AUX_DISABLED;
            case CMD_AUX_TEST -> respond(AUX_ABSENT);
            case CMD_SELF_TEST -> respond(SELF_TEST_PASSED);
            case CMD_KBD_TEST -> respond(INTERFACE_OK);
            case CMD_KBD_DISABLE -> ctr |= CTR_KBD_DISABLED;
            case CMD_KBD_ENABLE -> ctr &= ~CTR_KBD_DISABLED;
            case CMD_READ_OUTPUT_PORT -> respond(outputPort);
            default -> {
                if (cmd >= CMD_PULSE_OUTPUT) {
                    return (cmd & OUTPUT_PORT_RESET_LINE) == 0; // 0xFE: the classic reset
                }
                // Anything else (controller RAM beyond the command byte, vendor commands) is
                // ignored, as a controller without that feature would.
            }
        }
        return false;
    }

    private void writeData(int b) {
        boolean doReset = false;
        synchronized (this) {
            status &= ~STATUS_LAST_WAS_COMMAND;
            int cmd = awaitingParameter;
            awaitingParameter = 0;
            switch (cmd) {
                case CMD_WRITE_CTR -> ctr = b;
                case CMD_WRITE_OUTPUT_PORT -> {
                    outputPort = b;
                    doReset = (b & OUTPUT_PORT_RESET_LINE) == 0;
                }
                case CMD_WRITE_KBD_BUFFER -> respond(b);
                case CMD_WRITE_AUX_BUFFER ->
                    // With no auxiliary port the byte does not come back as mouse data: Linux
                    // reads that as "no AUX port" at once instead of waiting for IRQ 12.
                    respond(b);
                default -> {
                    // A byte for the (absent) keyboard or mouse: nobody answers.
                }
            }
        }
        if (doReset) {
            requestReset();
        }
    }

    /** Puts a controller reply in the output buffer. */
    private void respond(int b) {
        output = b & 0xFF;
        status = (status | STATUS_OUTPUT_FULL) & ~STATUS_AUX_DATA;
    }

    /** Guests repeat the reset command until it takes effect (Linux tries ten times). */
    private void requestReset() {
        if (resetRequested.compareAndSet(false, true)) {
            reset.run();
        }
    }

    /** The controller's registers, for a snapshot. */
    public synchronized ObjectNode saveState() {
        return State.object().put("ctr", ctr).put("output_port", outputPort).put("status", status)
                .put("output", output).put("awaiting_parameter", awaitingParameter);
    }

    /** Puts back what {@link #saveState} saved. */
    public synchronized void restoreState(JsonNode in) throws StateException {
        String where = "i8042";
        ctr = State.integer(in, "ctr", where) & 0xFF;
        outputPort = State.integer(in, "output_port", where) & 0xFF;
        status = State.integer(in, "status", where) & 0xFF;
        output = State.integer(in, "output", where) & 0xFF;
        awaitingParameter = State.integer(in, "awaiting_parameter", where) & 0xFF;
    }
}
