package org.altovirt.devices.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The UART's registers as a guest driver sees them. */
class Uart8250Test {
    private static final int RBR = 0;
    private static final int THR = 0;
    private static final int DLL = 0;
    private static final int IER = 1;
    private static final int DLM = 1;
    private static final int IIR = 2;
    private static final int FCR = 2;
    private static final int LCR = 3;
    private static final int MCR = 4;
    private static final int LSR = 5;
    private static final int MSR = 6;
    private static final int SCR = 7;

    private final AtomicInteger interrupts = new AtomicInteger();
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();
    private final Uart8250 uart = new Uart8250(interrupts::incrementAndGet, b -> {
        synchronized (sink) {
            sink.write(b);
        }
    });

    private int in(int port) {
        return (int) uart.read(port, 1);
    }

    private void out(int port, int value) {
        uart.write(port, 1, value);
    }

    private void feed(String s) throws InterruptedException {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        uart.receive(b, 0, b.length);
    }

    @Test
    void bytesWrittenToThrReachTheSinkAtOnce() {
        for (byte b : "hello".getBytes(StandardCharsets.US_ASCII)) {
            assertThat(in(LSR) & 0x60).as("THRE|TEMT before each byte").isEqualTo(0x60);
            out(THR, b);
        }
        assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
    }

    @Test
    void receivedBytesAreReadInOrderWithDataReadyAndAnInterrupt() throws Exception {
        out(IER, 0x01); // ERBFI
        assertThat(in(LSR) & 0x01).as("DR before input").isZero();
        assertThat(interrupts).hasValue(0);

        feed("ok!");

        assertThat(interrupts).as("one edge for the batch").hasValue(1);
        assertThat(in(LSR) & 0x01).isEqualTo(1);
        assertThat(in(IIR) & 0x0F).as("RX data available").isEqualTo(0x04);
        assertThat(in(RBR)).isEqualTo('o');
        assertThat(in(RBR)).isEqualTo('k');
        assertThat(in(RBR)).isEqualTo('!');
        assertThat(in(LSR) & 0x01).as("DR after draining").isZero();
        assertThat(in(IIR) & 0x0F).isEqualTo(0x01);
    }

    @Test
    void aPollingGuestGetsDataWithoutInterrupts() throws Exception {
        feed("x");
        assertThat(in(LSR) & 0x01).isEqualTo(1);
        assertThat(in(IIR)).isEqualTo(0x01);
        assertThat(in(RBR)).isEqualTo('x');
        assertThat(interrupts).hasValue(0);
    }

    @Test
    void newInputAfterTheGuestDrainedTheFifoRaisesANewEdge() throws Exception {
        out(IER, 0x01);
        feed("a");
        feed("b"); // still pending: the line is already up
        assertThat(interrupts).hasValue(1);
        in(RBR);
        in(RBR);
        feed("c");
        assertThat(interrupts).hasValue(2);
    }

    @Test
    void enablingTheRxInterruptWithDataWaitingRaisesIt() throws Exception {
        feed("z");
        assertThat(interrupts).hasValue(0);
        out(IER, 0x01);
        assertThat(interrupts).hasValue(1);
        assertThat(in(IIR) & 0x0F).isEqualTo(0x04);
    }

    @Test
    void divisorLatchRoundTripsUnderDlab() {
        out(LCR, 0x83);
        out(DLL, 0x01);
        out(DLM, 0x02);
        assertThat(in(DLL)).isEqualTo(0x01);
        assertThat(in(DLM)).isEqualTo(0x02);
        assertThat(in(LCR)).isEqualTo(0x83);
        out(LCR, 0x03);
        assertThat(in(IER)).as("IER untouched by the DLM write").isZero();
        out(THR, 'A');
        assertThat(sink.toString(StandardCharsets.US_ASCII)).isEqualTo("A");
        out(LCR, 0x83);
        assertThat(in(DLL)).as("THR write did not touch DLL").isEqualTo(0x01);
    }

    @Test
    void scratchRegisterRoundTrips() {
        out(SCR, 0xA5);
        assertThat(in(SCR)).isEqualTo(0xA5);
        out(SCR, 0x5A);
        assertThat(in(SCR)).isEqualTo(0x5A);
    }

    @Test
    void iirSaysNoneWhenNothingIsPendingAndFifoBitsOnceEnabled() {
        assertThat(in(IIR)).isEqualTo(0x01);
        out(FCR, 0x01);
        assertThat(in(IIR)).as("16550A: FIFOs enabled").isEqualTo(0xC1);
        assertThat(in(IIR) >> 6).as("Linux's autoconfig reads 3 = 16550A").isEqualTo(3);
    }

    @Test
    void ierHoldsOnlyItsFourBitsAsLinuxsExistenceTestExpects() {
        out(IER, 0x00);
        assertThat(in(IER) & 0x0F).isZero();
        out(IER, 0xFF);
        assertThat(in(IER)).isEqualTo(0x0F);
    }

    @Test
    void enablingTheThrEmptyInterruptRaisesItAndReadingIirAcknowledgesIt() {
        out(IER, 0x02);
        assertThat(interrupts).hasValue(1);
        assertThat(in(IIR)).isEqualTo(0x02);
        assertThat(in(IIR)).as("acknowledged by the read").isEqualTo(0x01);
        out(THR, 'q');
        assertThat(interrupts).as("THR empty again after the byte").hasValue(2);
        assertThat(in(IIR)).isEqualTo(0x02);
    }

    @Test
    void linuxThreTestSeesTheInterruptReassertedEachTime() {
        // serial8250_do_startup: IER=THRI, read IIR, IER=0, IER=THRI, read IIR; both must say THRI.
        out(IER, 0x02);
        int iir1 = in(IIR);
        out(IER, 0x00);
        out(IER, 0x02);
        int iir2 = in(IIR);
        out(IER, 0x00);
        assertThat(iir1 & 0x01).isZero();
        assertThat(iir2 & 0x01).isZero();
    }

    @Test
    void receivedDataHasPriorityOverThrEmpty() throws Exception {
        out(IER, 0x03);
        feed("r");
        assertThat(in(IIR)).isEqualTo(0x04);
        in(RBR);
        assertThat(in(IIR)).isEqualTo(0x02);
        assertThat(in(IIR)).isEqualTo(0x01);
    }

    @Test
    void fifoControlCanDiscardReceivedBytes() throws Exception {
        feed("junk");
        out(FCR, 0x07);
        assertThat(in(LSR) & 0x01).isZero();
    }

    @Test
    void loopbackReturnsTransmittedBytesAndWiresModemLines() {
        // Linux's autoconfig loopback check: MCR = LOOP|OUT2|RTS must read MSR high nibble 0x90.
        out(MCR, 0x10 | 0x0A);
        assertThat(in(MSR) & 0xF0).isEqualTo(0x90);
        out(THR, 'L');
        assertThat(sink.size()).as("nothing leaves the chip in loopback").isZero();
        assertThat(in(LSR) & 0x01).isEqualTo(1);
        assertThat(in(RBR)).isEqualTo('L');
        out(MCR, 0x08);
        assertThat(in(MSR) & 0xF0).as("a connected modem outside loopback").isEqualTo(0xB0);
    }

    @Test
    void aFullFifoMakesTheHostWaitUntilTheGuestReads() throws Exception {
        byte[] full = new byte[Uart8250.RX_FIFO_SIZE];
        for (int i = 0; i < full.length; i++) {
            full[i] = (byte) i;
        }
        uart.receive(full, 0, full.length);
        assertThat(uart.canAccept()).isFalse();

        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread feeder = new Thread(() -> {
            try {
                uart.receive(new byte[] {(byte) 0xEE}, 0, 1);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        feeder.start();
        waitFor(() -> feeder.getState() == Thread.State.WAITING, "the feeder to block on the full FIFO");
        assertThat(feeder.isAlive()).isTrue();

        assertThat(in(RBR)).isEqualTo(0);
        feeder.join(5000);
        assertThat(feeder.isAlive()).as("the feeder resumed after one byte was read").isFalse();
        assertThat(failure.get()).isNull();
        for (int i = 1; i < full.length; i++) {
            assertThat(in(RBR)).isEqualTo(i);
        }
        assertThat(in(RBR)).as("nothing was dropped").isEqualTo(0xEE);
        assertThat(in(LSR) & 0x03).as("no data, no overrun").isZero();
    }

    @Test
    void aWaitingFeederStopsWhenInterrupted() throws Exception {
        byte[] full = new byte[Uart8250.RX_FIFO_SIZE];
        uart.receive(full, 0, full.length);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread feeder = new Thread(() -> {
            try {
                uart.receive(new byte[1], 0, 1);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        feeder.start();
        waitFor(() -> feeder.getState() == Thread.State.WAITING, "the feeder to block");
        feeder.interrupt();
        feeder.join(5000);
        assertThat(failure.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void readsOfEveryRegisterAtEverySizeStayInOneByte() {
        for (int port = 0; port < 8; port++) {
            for (int size : new int[] {1, 2, 4}) {
                assertThat(uart.read(port, size)).isBetween(0L, 0xFFL);
            }
        }
        assertThat(uart.read(8, 1)).as("outside the window").isEqualTo(0xFF);
    }

    @Test
    void stateRoundTripsIntoAFreshUart() throws Exception {
        out(LCR, 0x83);
        out(DLL, 0x01);
        out(LCR, 0x03);
        out(SCR, 0x42);
        out(IER, 0x01);
        feed("keep");
        Uart8250.State saved = uart.state();

        AtomicInteger restoredIrqs = new AtomicInteger();
        Uart8250 copy = new Uart8250(restoredIrqs::incrementAndGet, b -> {});
        copy.restore(saved);
        assertThat(restoredIrqs).as("pending RX interrupt raised again").hasValue(1);
        assertThat(copy.read(SCR, 1)).isEqualTo(0x42);
        assertThat(copy.read(IIR, 1)).isEqualTo(0x04);
        StringBuilder got = new StringBuilder();
        while ((copy.read(LSR, 1) & 1) != 0) {
            got.append((char) copy.read(RBR, 1));
        }
        assertThat(got).hasToString("keep");
        copy.write(LCR, 1, 0x83);
        assertThat(copy.read(DLL, 1)).isEqualTo(0x01);
        assertThatThrownBy(() -> new Uart8250.State(0, 0, 0, 0, 0, 0, 0, false, new byte[65]))
                .hasMessageContaining("65 received bytes");
    }

    static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
