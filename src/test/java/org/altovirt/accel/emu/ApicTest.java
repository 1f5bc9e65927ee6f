package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The emu's local and I/O APICs as a guest programs them (SDM vol. 3A ch. 11; 82093AA). */
class ApicTest {
    private final AtomicInteger arrivals = new AtomicInteger();
    private final Semaphore arrived = new Semaphore(0);
    private final LocalApic apic = new LocalApic(0, () -> {
        arrivals.incrementAndGet();
        arrived.release();
    });

    private void enable() {
        apic.write(LocalApic.SVR, 4, 0x1FF);
    }

    @Test
    void aSoftwareDisabledApicTakesNoInterrupt() {
        apic.accept(0x50);
        assertThat(apic.pending()).isEqualTo(-1);
        enable();
        apic.accept(0x50);
        assertThat(apic.pending()).isEqualTo(0x50);
    }

    @Test
    void theHighestVectorGoesFirstAndAnInServiceClassBlocksItsOwnAndLowerUntilEoi() {
        enable();
        apic.accept(0x41);
        apic.accept(0x61);
        assertThat(apic.acknowledge()).isEqualTo(0x61);
        assertThat(apic.pending()).as("0x41 waits while 0x61 is in service").isEqualTo(-1);
        apic.accept(0x62);
        assertThat(apic.pending()).as("same priority class as the one in service").isEqualTo(-1);
        apic.write(LocalApic.EOI, 4, 0);
        assertThat(apic.acknowledge()).isEqualTo(0x62);
        apic.write(LocalApic.EOI, 4, 0);
        assertThat(apic.read(LocalApic.ISR + 0x20, 4)).as("ISR bits of 0x40-0x5f").isZero();
        assertThat(apic.acknowledge()).isEqualTo(0x41);
    }

    @Test
    void theTaskPriorityHoldsBackLowerClasses() {
        enable();
        apic.write(LocalApic.TPR, 4, 0x50);
        apic.accept(0x45);
        assertThat(apic.pending()).isEqualTo(-1);
        apic.write(LocalApic.TPR, 4, 0);
        assertThat(apic.pending()).isEqualTo(0x45);
        assertThat(apic.read(LocalApic.PPR, 4)).isZero();
    }

    @Test
    void aOneShotTimerFiresOnceAtItsVector() throws InterruptedException {
        enable();
        apic.write(LocalApic.TIMER_DIVIDE, 4, 0xB); // by 1: 1 ns per count
        apic.write(LocalApic.LVT_TIMER, 4, 0x77);
        arrivals.set(0);
        arrived.drainPermits();
        apic.write(LocalApic.TIMER_INITIAL, 4, 2_000_000); // 2 ms
        assertThat(arrived.tryAcquire(10, TimeUnit.SECONDS)).as("the timer fired").isTrue();
        assertThat(apic.pending()).isEqualTo(0x77);
        assertThat(apic.read(LocalApic.TIMER_CURRENT, 4)).as("a one-shot timer stops at 0").isZero();
        assertThat(arrived.tryAcquire(50, TimeUnit.MILLISECONDS)).as("and does not fire again").isFalse();
    }

    @Test
    void theIoApicSendsAnUnmaskedPinsVectorToItsDestination() {
        enable();
        IoApic io = new IoApic();
        io.attach(apic);
        io.raise(5);
        assertThat(apic.pending()).as("pins are masked at reset").isEqualTo(-1);
        io.write(0x00, 4, 0x10 + 2 * 5);
        io.write(0x10, 4, 0x41);
        io.raise(5);
        assertThat(apic.pending()).isEqualTo(0x41);
        io.write(0x00, 4, 1);
        assertThat(io.read(0x10, 4)).as("version: 24 pins").isEqualTo(0x170011);
    }
}
