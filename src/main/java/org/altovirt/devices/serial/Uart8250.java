package org.altovirt.devices.serial;

import java.util.Arrays;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.altovirt.bus.BusDevice;
import org.altovirt.bus.InterruptLine;
import org.altovirt.state.StateException;

/**
 * A 16550A-compatible UART (the PC's COM1: I/O ports 0x3F8-0x3FF, IRQ 4; docs/facts.md §3), as Linux's
 * 8250 driver and a polling guest see it.
 *
 * <p>Transmission is instant: a byte written to THR goes to the {@link SerialOutput} at once, so
 * LSR always reports THRE|TEMT. Received bytes wait in a {@value #RX_FIFO_SIZE}-byte FIFO; when it
 * is full, {@link #receive} waits for the guest to read rather than dropping input. IIR reports
 * the highest-priority pending interrupt (received data, then THR empty); the FIFO bits read as
 * 16550A once the guest enables the FIFOs, which is how Linux identifies the chip.
 *
 * <p>The interrupt output behaves like the ISA line of a real UART: the edge given to the
 * {@link InterruptLine} is the moment an enabled interrupt becomes pending while none was.
 * Linux's handler reads IIR until it reports none, so every later condition makes a new edge.
 *
 * <p>Thread-safe: registers are accessed from vCPU threads while a backend's reader thread feeds
 * input. The interrupt is triggered and the output written outside the lock, so a slow host
 * sink never holds up the input side.
 */
public final class Uart8250 implements BusDevice, SerialInput {
    /** COM1's first I/O port. */
    public static final long PORT_BASE = 0x3F8;
    /** The number of I/O ports the UART decodes. */
    public static final int PORT_COUNT = 8;
    /** COM1's ISA interrupt. */
    public static final int IRQ = 4;
    /** How many received bytes wait for the guest before the host side is made to wait. */
    public static final int RX_FIFO_SIZE = 64;

    // Register offsets (with DLAB set, 0 and 1 are the divisor latch).
    private static final int RBR_THR = 0;
    private static final int IER = 1;
    private static final int IIR_FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private static final int IER_RX_DATA = 0x01;
    private static final int IER_THR_EMPTY = 0x02;
    private static final int IER_MASK = 0x0F;

    private static final int IIR_NONE = 0x01;
    private static final int IIR_THR_EMPTY = 0x02;
    private static final int IIR_RX_DATA = 0x04;
    private static final int IIR_FIFOS_ENABLED = 0xC0;

    private static final int FCR_ENABLE = 0x01;
    private static final int FCR_CLEAR_RX = 0x02;
    private static final int FCR_KEPT = 0xC9; // enable, DMA mode, trigger level

    private static final int LCR_DLAB = 0x80;
    private static final int LCR_8N1 = 0x03;

    private static final int MCR_DTR = 0x01;
    private static final int MCR_RTS = 0x02;
    private static final int MCR_OUT1 = 0x04;
    private static final int MCR_OUT2 = 0x08;
    private static final int MCR_LOOP = 0x10;
    private static final int MCR_MASK = 0x1F;

    private static final int LSR_DATA_READY = 0x01;
    private static final int LSR_OVERRUN = 0x02;
    private static final int LSR_THR_EMPTY = 0x20;
    private static final int LSR_IDLE = 0x40;

    private static final int MSR_CTS = 0x10;
    private static final int MSR_DSR = 0x20;
    private static final int MSR_RI = 0x40;
    private static final int MSR_DCD = 0x80;
    /** A modem that is always there and ready, as QEMU and Firecracker present it. */
    private static final int MSR_CONNECTED = MSR_DCD | MSR_DSR | MSR_CTS;

    /** 115200 / 12 = 9600 baud, the power-on divisor. */
    private static final int DEFAULT_DIVISOR = 12;

    private final InterruptLine irq;
    private final SerialOutput output;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition space = lock.newCondition();

    private final byte[] rx = new byte[RX_FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    private int ier;
    private int lcr = LCR_8N1;
    private int mcr = MCR_OUT2;
    private int fcr;
    private int scr;
    private int dll = DEFAULT_DIVISOR;
    private int dlm;
    private boolean overrun;
    private boolean thrEmptyPending;
    /** Whether an enabled interrupt was pending after the last change: edges are raised on 0 -> 1. */
    private boolean asserted;

    /**
     * @param irq the line to trigger (IRQ {@value #IRQ} on the PC)
     * @param output where transmitted bytes go
     */
    public Uart8250(InterruptLine irq, SerialOutput output) {
        this.irq = Objects.requireNonNull(irq, "irq");
        this.output = Objects.requireNonNull(output, "output");
    }

    @Override
    public long read(long offset, int size) {
        boolean edge;
        int value;
        lock.lock();
        try {
            value = readRegister((int) offset);
            edge = updateInterrupt();
        } finally {
            lock.unlock();
        }
        if (edge) {
            irq.trigger();
        }
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        int b = (int) (value & 0xFF);
        boolean edge;
        boolean transmit = false;
        lock.lock();
        try {
            if (offset == RBR_THR && (lcr & LCR_DLAB) == 0) {
                thrEmptyPending = true; // transmission is instant: THR is empty again at once
                if ((mcr & MCR_LOOP) != 0) {
                    push((byte) b);
                } else {
                    transmit = true;
                }
            } else {
                writeRegister((int) offset, b);
            }
            edge = updateInterrupt();
        } finally {
            lock.unlock();
        }
        if (transmit) {
            output.write(b);
        }
        if (edge) {
            irq.trigger();
        }
    }

    /** Called with the lock held; offsets outside the 8 registers read as a floating bus. */
    private int readRegister(int offset) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (offset) {
            case RBR_THR:
                return dlab ? dll : pop();
            case IER:
                return dlab ? dlm : ier;
            case IIR_FCR: {
                int id = interruptId();
                if (id == IIR_THR_EMPTY) {
                    thrEmptyPending = false; // reading IIR acknowledges THR empty (16550 datasheet)
                }
                return id | ((fcr & FCR_ENABLE) != 0 ? IIR_FIFOS_ENABLED : 0);
            }
            case LCR:
                return lcr;
            case MCR:
                return mcr;
            case LSR: {
                int lsr = LSR_THR_EMPTY | LSR_IDLE;
                if (rxCount > 0) {
                    lsr |= LSR_DATA_READY;
                }
                if (overrun) {
                    lsr |= LSR_OVERRUN;
                    overrun = false; // error bits clear on read
                }
                return lsr;
            }
            case MSR:
                return (mcr & MCR_LOOP) != 0 ? loopbackModemStatus() : MSR_CONNECTED;
            case SCR:
                return scr;
            default:
                return 0xFF;
        }
    }

    private void writeRegister(int offset, int b) {
        boolean dlab = (lcr & LCR_DLAB) != 0;
        switch (offset) {
            case RBR_THR -> dll = b; // THR itself is handled by write()
            case IER -> {
                if (dlab) {
                    dlm = b;
                } else {
                    int enabled = b & IER_MASK;
                    if ((enabled & IER_THR_EMPTY) != 0 && (ier & IER_THR_EMPTY) == 0) {
                        // Enabling the THR-empty interrupt while THR is empty raises it at once;
                        // Linux relies on this to start transmitting (and tests for it at startup).
                        thrEmptyPending = true;
                    }
                    ier = enabled;
                }
            }
            case IIR_FCR -> {
                if ((b & FCR_CLEAR_RX) != 0 || ((b ^ fcr) & FCR_ENABLE) != 0) {
                    clearReceived();
                }
                fcr = b & FCR_KEPT;
            }
            case LCR -> lcr = b;
            case MCR -> mcr = b & MCR_MASK;
            case SCR -> scr = b;
            default -> {
                // LSR and MSR are read-only; writes to them are ignored as on the chip
            }
        }
    }

    /** In loopback mode the modem inputs are wired to the modem outputs. */
    private int loopbackModemStatus() {
        int msr = 0;
        if ((mcr & MCR_RTS) != 0) {
            msr |= MSR_CTS;
        }
        if ((mcr & MCR_DTR) != 0) {
            msr |= MSR_DSR;
        }
        if ((mcr & MCR_OUT1) != 0) {
            msr |= MSR_RI;
        }
        if ((mcr & MCR_OUT2) != 0) {
            msr |= MSR_DCD;
        }
        return msr;
    }

    /** The IIR interrupt identification, highest priority first. */
    private int interruptId() {
        if ((ier & IER_RX_DATA) != 0 && rxCount > 0) {
            return IIR_RX_DATA;
        }
        if ((ier & IER_THR_EMPTY) != 0 && thrEmptyPending) {
            return IIR_THR_EMPTY;
        }
        return IIR_NONE;
    }

    /** Recomputes the interrupt output; returns whether it just rose (the caller triggers). */
    private boolean updateInterrupt() {
        boolean pending = interruptId() != IIR_NONE;
        boolean rose = pending && !asserted;
        asserted = pending;
        return rose;
    }

    private int pop() {
        if (rxCount == 0) {
            return 0; // RBR keeps no stale byte here; nothing is ready
        }
        int b = rx[rxHead] & 0xFF;
        rxHead = (rxHead + 1) % RX_FIFO_SIZE;
        rxCount--;
        space.signalAll();
        return b;
    }

    /** Queues one byte; a full FIFO loses it and flags an overrun (loopback only: the host waits). */
    private void push(byte b) {
        if (rxCount == RX_FIFO_SIZE) {
            overrun = true;
            return;
        }
        rx[(rxHead + rxCount) % RX_FIFO_SIZE] = b;
        rxCount++;
    }

    private void clearReceived() {
        rxHead = 0;
        rxCount = 0;
        space.signalAll();
    }

    /**
     * Queues host input for the guest, waiting while the FIFO is full. Bytes are delivered in
     * order; the interrupt is raised when the guest has enabled it.
     */
    @Override
    public void receive(byte[] bytes, int offset, int length) throws InterruptedException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        int done = 0;
        while (done < length) {
            boolean edge;
            lock.lockInterruptibly();
            try {
                while (rxCount == RX_FIFO_SIZE) {
                    space.await();
                }
                while (done < length && rxCount < RX_FIFO_SIZE) {
                    push(bytes[offset + done++]);
                }
                edge = updateInterrupt();
            } finally {
                lock.unlock();
            }
            if (edge) {
                irq.trigger();
            }
        }
    }

    /** Whether {@link #receive} would take at least one byte without waiting. */
    public boolean canAccept() {
        lock.lock();
        try {
            return rxCount < RX_FIFO_SIZE;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The registers and the unread input, for a snapshot.
     *
     * @param received bytes the guest has not read yet, oldest first (at most {@value
     *     #RX_FIFO_SIZE})
     */
    public record State(int ier, int lcr, int mcr, int fcr, int scr, int dll, int dlm,
            boolean thrEmptyPending, byte[] received) {
        public State {
            if (received.length > RX_FIFO_SIZE) {
                throw new IllegalArgumentException("UART state: " + received.length
                        + " received bytes, at most " + RX_FIFO_SIZE + " fit in the FIFO");
            }
            received = received.clone();
        }

        @Override
        public byte[] received() {
            return received.clone();
        }
    }

    /** The state a snapshot saves. */
    public State state() {
        lock.lock();
        try {
            byte[] pending = new byte[rxCount];
            for (int i = 0; i < rxCount; i++) {
                pending[i] = rx[(rxHead + i) % RX_FIFO_SIZE];
            }
            return new State(ier, lcr, mcr, fcr, scr, dll, dlm, thrEmptyPending, pending);
        } finally {
            lock.unlock();
        }
    }

    /** Puts back a saved state (before the vCPUs run); raises the interrupt if one is pending. */
    public void restore(State s) {
        boolean edge;
        lock.lock();
        try {
            ier = s.ier() & IER_MASK;
            lcr = s.lcr() & 0xFF;
            mcr = s.mcr() & MCR_MASK;
            fcr = s.fcr() & FCR_KEPT;
            scr = s.scr() & 0xFF;
            dll = s.dll() & 0xFF;
            dlm = s.dlm() & 0xFF;
            thrEmptyPending = s.thrEmptyPending();
            byte[] pending = s.received();
            Arrays.fill(rx, (byte) 0);
            System.arraycopy(pending, 0, rx, 0, pending.length);
            rxHead = 0;
            rxCount = pending.length;
            overrun = false;
            asserted = false;
            edge = updateInterrupt();
            space.signalAll();
        } finally {
            lock.unlock();
        }
        if (edge) {
            irq.trigger();
        }
    }

    /** {@link #state()} as a snapshot's JSON. */
    public ObjectNode saveState() {
        State st = state();
        return org.altovirt.state.State.object().put("ier", st.ier()).put("lcr", st.lcr()).put("mcr", st.mcr())
                .put("fcr", st.fcr()).put("scr", st.scr()).put("dll", st.dll()).put("dlm", st.dlm())
                .put("thr_empty_pending", st.thrEmptyPending())
                .put("received", org.altovirt.state.State.base64(st.received()));
    }

    /** Puts back what {@link #saveState} saved. */
    public void restoreState(JsonNode in) throws StateException {
        String where = "serial";
        byte[] received = org.altovirt.state.State.blob(in, "received", -1, where);
        if (received.length > RX_FIFO_SIZE) {
            throw new StateException(where + ": " + received.length + " received bytes; at most " + RX_FIFO_SIZE + " fit");
        }
        restore(new State(reg(in, "ier"), reg(in, "lcr"), reg(in, "mcr"), reg(in, "fcr"), reg(in, "scr"), reg(in, "dll"),
                reg(in, "dlm"), org.altovirt.state.State.bool(in, "thr_empty_pending", where), received));
    }

    private static int reg(JsonNode in, String name) throws StateException {
        return (int) org.altovirt.state.State.integer(in, name, 0, 255, "serial");
    }
}
