package org.altovirt.devices.virtio.balloon;

import static org.altovirt.devices.virtio.VirtioMmioDriver.Buffer.readable;
import static org.altovirt.devices.virtio.VirtioMmioDriver.Buffer.writable;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.altovirt.devices.virtio.MmioTransport;
import org.altovirt.devices.virtio.VirtioMmioDriver;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The balloon as a guest driver uses it: targets, page lists on the inflate queue, actual. */
class VirtioBalloonTest {
    private static final long RAM = 64L << 20;
    private static final long LIST = 0x100000;
    private static final long PAGE = 0x300000;

    private GuestMemory memory;
    private VirtioBalloon balloon;
    private VirtioMmioDriver driver;
    private final AtomicInteger interrupts = new AtomicInteger();
    /** What the balloon reported (BALLOON_CHANGED's value), in order; reports come from another thread. */
    private final java.util.concurrent.BlockingQueue<Long> reported = new java.util.concurrent.LinkedBlockingQueue<>();

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.anonymous(RAM);
        balloon = new VirtioBalloon(RAM, false, reported::add);
        MmioTransport transport = new MmioTransport("balloon test", balloon, memory, interrupts::incrementAndGet);
        driver = new VirtioMmioDriver(transport, memory);
        assertThat(balloon.active()).as("active before a driver started it").isFalse();
        driver.initialize(-1L, 64); // the inflate queue (0) only
    }

    @AfterEach
    void tearDown() {
        memory.close();
    }

    private void pageList(long... pfns) {
        for (int i = 0; i < pfns.length; i++) {
            memory.writeInt(LIST + 4L * i, (int) pfns[i]);
        }
    }

    @Test
    void inflatedPagesGoBackToTheHostAndReadAsZeros() {
        memory.writeLong(PAGE, 0x1122334455667788L);
        memory.writeLong(PAGE + 4096, 0x99L);
        pageList(PAGE / 4096);
        driver.roundTrip(readable(LIST, 4));
        assertThat(memory.readLong(PAGE)).as("the page given to the host").isZero();
        assertThat(memory.readLong(PAGE + 4096)).as("the next page, not listed").isEqualTo(0x99L);
        assertThat(driver.status() & MmioTransport.STATUS_DEVICE_NEEDS_RESET).isZero();
    }

    @Test
    void aPageOutsideRamIsSkippedAndTheRestOfTheListIsServed() {
        memory.writeLong(PAGE, 7);
        pageList(RAM / 4096 + 10, 0xFFFF_FFFFL, PAGE / 4096);
        driver.roundTrip(readable(LIST, 12));
        assertThat(memory.readLong(PAGE)).isZero();
        assertThat(driver.status() & MmioTransport.STATUS_DEVICE_NEEDS_RESET).isZero();
    }

    @Test
    void aListThatIsNotWholePageNumbersNeedsAReset() {
        driver.submit(readable(LIST, 6));
        driver.notifyQueue(0);
        assertThat(driver.status() & MmioTransport.STATUS_DEVICE_NEEDS_RESET).isNotZero();
    }

    @Test
    void aDeviceWritableListNeedsAReset() {
        driver.submit(writable(LIST, 8));
        driver.notifyQueue(0);
        assertThat(driver.status() & MmioTransport.STATUS_DEVICE_NEEDS_RESET).isNotZero();
    }

    @Test
    void theTargetIsCappedAtTheRamAndTheDriverIsTold() {
        int before = interrupts.get();
        balloon.setTarget(RAM - (1 << 20));
        assertThat(driver.readConfig(0, 4)).as("num_pages").isEqualTo(256);
        assertThat(interrupts.get()).as("configuration-change interrupt").isGreaterThan(before);
        balloon.setTarget(RAM * 4);
        assertThat(driver.readConfig(0, 4)).as("num_pages for a target above RAM").isZero();
        balloon.setTarget(1);
        assertThat(driver.readConfig(0, 4)).as("num_pages: all of RAM but a page, rounded up").isEqualTo(RAM / 4096);
    }

    @Test
    void theGuestsActualIsReportedAsItsMemorySize() throws InterruptedException {
        assertThat(balloon.active()).isTrue();
        driver.write(0x100 + 4, 512); // actual = 512 pages (2 MiB)
        assertThat(balloon.actualBytes()).isEqualTo(RAM - (2 << 20));
        assertThat(reported.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(RAM - (2 << 20));
        driver.write(0x100 + 4, 512); // the same value again: no change, no report
        driver.write(0x100 + 4, -1); // a guest claiming 2^32 - 1 pages holds at most all of RAM
        assertThat(balloon.actualBytes()).isZero();
        assertThat(reported.poll(10, java.util.concurrent.TimeUnit.SECONDS)).as("the next report").isZero();
        driver.write(0x100, 5); // num_pages is the host's
        assertThat(driver.readConfig(0, 4)).isZero();
    }
}
