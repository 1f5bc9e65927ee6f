package org.altovirt.devices.virtio;

import static org.altovirt.devices.virtio.MmioTransport.*;
import static org.altovirt.devices.virtio.SplitQueue.DESC_F_INDIRECT;
import static org.altovirt.devices.virtio.SplitQueue.DESC_F_NEXT;
import static org.altovirt.devices.virtio.SplitQueue.DESC_F_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.altovirt.devices.virtio.VirtioMmioDriver.Buffer;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The virtio-mmio registers as a driver sees them, and what a hostile driver gets. */
class MmioTransportTest {
    private static final long RAM = 64L << 20;
    private static final int READY = STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK;

    private GuestMemory memory;
    private EchoDevice device;
    private MmioTransport transport;
    private VirtioMmioDriver driver;
    private final AtomicInteger interrupts = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.anonymous(RAM);
        device = new EchoDevice();
        transport = new MmioTransport("echo", device, memory, interrupts::incrementAndGet);
        driver = new VirtioMmioDriver(transport, memory);
    }

    @AfterEach
    void tearDown() {
        memory.close();
    }

    @Test
    void identifiesItselfAsAVersion2Transport() {
        assertThat(driver.read(REG_MAGIC)).isEqualTo(0x74726976);
        assertThat(driver.read(REG_VERSION)).isEqualTo(2);
        assertThat(driver.read(REG_DEVICE_ID)).isEqualTo(EchoDevice.TYPE);
        assertThat(driver.read(REG_VENDOR_ID)).isZero();
        assertThat(driver.deviceFeatures()).isEqualTo(EchoDevice.FEATURES);
        assertThat(transport.read(REG_SHM_LEN_LOW, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(device.signals).isNotNull();
    }

    @Test
    void registersAnswerOnlyWholeAlignedWords() {
        assertThat(transport.read(REG_MAGIC, 2)).isZero();
        assertThat(transport.read(REG_MAGIC + 1, 4)).isZero();
        transport.write(REG_STATUS, 1, STATUS_ACKNOWLEDGE);
        assertThat(driver.status()).isZero();
    }

    @Test
    void queueNumMaxIsZeroForAQueueThatDoesNotExist() {
        driver.write(REG_QUEUE_SEL, 1);
        assertThat(driver.read(REG_QUEUE_NUM_MAX)).isEqualTo(8);
        driver.write(REG_QUEUE_SEL, 2);
        assertThat(driver.read(REG_QUEUE_NUM_MAX)).isZero();
    }

    @Test
    void fullInitialisationActivatesTheDeviceWithTheNegotiatedFeatures() {
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1 | 1, 16);
        assertThat(device.activatedFeatures).isEqualTo(VirtioDevice.VIRTIO_F_VERSION_1 | 1);
        assertThat(device.queues).hasSize(2);
        assertThat(device.queues.get(0).isReady()).isTrue();
        assertThat(device.queues.get(0).size()).isEqualTo(16);
        assertThat(device.queues.get(1).isReady()).isFalse();
    }

    @Test
    void featuresOkDoesNotStickForFeaturesTheDeviceDoesNotOffer() {
        driver.write(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        driver.writeDriverFeatures(VirtioDevice.VIRTIO_F_VERSION_1 | (1L << 5));
        driver.write(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
        assertThat(driver.status() & STATUS_FEATURES_OK).isZero();
    }

    @Test
    void featuresOkDoesNotStickWithoutVersion1() {
        assertThat(driver.negotiate(1)).isFalse();
    }

    @Test
    void driverOkWithoutFeaturesOkDoesNotActivate() {
        driver.write(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        driver.setUpQueue(0, 16);
        driver.write(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK);
        assertThat(driver.status() & STATUS_DRIVER_OK).isZero();
        assertThat(device.queues).isNull();
    }

    @Test
    void usedBuffersRaiseAnInterruptThatAckClears() {
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1, 16);
        VirtioMmioDriver.Used used = driver.roundTrip(Buffer.readable(0x100000, 8), Buffer.writable(0x200000, 100));
        assertThat(used.length()).isEqualTo(100);
        assertThat(interrupts.get()).isEqualTo(1);
        assertThat(driver.acknowledgeInterrupt()).isEqualTo(INTERRUPT_USED_BUFFER);
        assertThat(driver.read(REG_INTERRUPT_STATUS)).isZero();
    }

    @Test
    void noInterruptWhenTheDriverSuppressesThem() {
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1, 16);
        memory.writeShort(VirtioMmioDriver.availRing(0), (short) SplitQueue.AVAIL_F_NO_INTERRUPT);
        driver.roundTrip(Buffer.writable(0x200000, 4));
        assertThat(interrupts.get()).isZero();
        assertThat(driver.read(REG_INTERRUPT_STATUS)).isZero();
    }

    @Test
    void writingZeroToStatusResetsDeviceAndTransport() {
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1, 16);
        driver.roundTrip(Buffer.writable(0x200000, 4));
        int resetsBefore = device.resets;
        driver.write(REG_STATUS, 0);
        assertThat(driver.status()).isZero();
        assertThat(device.resets).isEqualTo(resetsBefore + 1);
        assertThat(driver.read(REG_INTERRUPT_STATUS)).isZero();
        driver.write(REG_QUEUE_SEL, 0);
        assertThat(driver.read(REG_QUEUE_READY)).isZero();
        // A notification after the reset reaches nothing.
        driver.submit(Buffer.writable(0x200000, 4));
        driver.notifyQueue(0);
        assertThat(device.served).hasSize(1);
        // And the device comes back after a new initialisation.
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1, 16);
        driver.roundTrip(Buffer.writable(0x200000, 4));
        assertThat(device.served).hasSize(2);
    }

    @Test
    void queueRegistersCannotChangeOnceReady() {
        driver.negotiate(VirtioDevice.VIRTIO_F_VERSION_1);
        driver.setUpQueue(0, 16);
        driver.write(REG_QUEUE_NUM, 4);
        driver.write(REG_QUEUE_DESC_LOW, 0x40000);
        driver.driverOk();
        assertThat(device.queues.get(0).size()).isEqualTo(16);
        assertThat(driver.read(REG_QUEUE_DESC_LOW)).isEqualTo((int) VirtioMmioDriver.descTable(0));
        // Clearing QueueReady sticks, as Linux checks when it deletes a queue.
        driver.write(REG_QUEUE_READY, 0);
        assertThat(driver.read(REG_QUEUE_READY)).isZero();
    }

    @Test
    void configSpaceReadsAtAnyWidth() {
        assertThat(transport.read(REG_CONFIG, 8)).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(transport.read(REG_CONFIG, 4)).isEqualTo(0x5566_7788L);
        assertThat(transport.read(REG_CONFIG + 6, 2)).isEqualTo(0x1122L);
        assertThat(transport.read(REG_CONFIG + 7, 1)).isEqualTo(0x11L);
        assertThat(transport.read(REG_CONFIG + 8, 4)).isZero();
    }

    @Test
    void configChangeBumpsTheGenerationAndInterruptsARunningDriver() {
        int before = driver.read(REG_CONFIG_GENERATION);
        device.signals.changeConfig(() -> device.configValue = 7);
        assertThat(driver.read(REG_CONFIG_GENERATION)).isEqualTo(before + 1);
        assertThat(interrupts.get()).as("no interrupt before DRIVER_OK").isZero();

        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1, 16);
        device.signals.changeConfig(() -> device.configValue = 8);
        assertThat(driver.read(REG_CONFIG_GENERATION)).isEqualTo(before + 2);
        assertThat(transport.read(REG_CONFIG, 8)).isEqualTo(8);
        assertThat(interrupts.get()).isEqualTo(1);
        assertThat(driver.read(REG_INTERRUPT_STATUS)).isEqualTo(INTERRUPT_CONFIG_CHANGE);
    }

    @Test
    void configReadsAreNotTornAcrossAChange() throws Exception {
        // A driver reading the 8-byte value as two words retries until the generation is stable
        // (§2.5.1); with changes racing, what it accepts must be one of the values written.
        device.configValue = 0;
        CountDownLatch stop = new CountDownLatch(1);
        Thread writer = new Thread(() -> {
            for (long i = 0; stop.getCount() > 0; i++) {
                long v = (i & 1) == 0 ? 0 : -1L;
                device.signals.changeConfig(() -> device.configValue = v);
            }
        });
        writer.start();
        try {
            for (int n = 0; n < 20_000; n++) {
                long value;
                int gen;
                do {
                    gen = driver.read(REG_CONFIG_GENERATION);
                    long low = transport.read(REG_CONFIG, 4);
                    long high = transport.read(REG_CONFIG + 4, 4);
                    value = high << 32 | low;
                } while (gen != driver.read(REG_CONFIG_GENERATION));
                assertThat(value).isIn(0L, -1L);
            }
        } finally {
            stop.countDown();
            writer.join();
        }
    }

    @Test
    void ringsOutsideRamAtDriverOkNeedAReset() {
        driver.negotiate(VirtioDevice.VIRTIO_F_VERSION_1);
        driver.setUpQueue(0, 16, VirtioMmioDriver.descTable(0), VirtioMmioDriver.availRing(0), 0xF000_0000L);
        driver.driverOk();
        assertThat(driver.status() & STATUS_DEVICE_NEEDS_RESET).isNotZero();
        assertThat(driver.read(REG_INTERRUPT_STATUS) & INTERRUPT_CONFIG_CHANGE).isNotZero();
        assertThat(interrupts.get()).isEqualTo(1);
        assertThat(device.queues).isNull();
    }

    @Test
    void aDeviceRefusingActivationNeedsAReset() {
        device.refuseActivation = true;
        driver.negotiate(VirtioDevice.VIRTIO_F_VERSION_1);
        driver.setUpQueue(0, 16);
        driver.driverOk();
        assertThat(driver.status() & STATUS_DEVICE_NEEDS_RESET).isNotZero();
    }

    /** Hostile layouts of queue 0, each written by the driver before notifying. */
    static Stream<Arguments> hostileChains() {
        return Stream.of(
                Arguments.of("buffer outside RAM", (Consumer<VirtioMmioDriver>) d -> {
                    d.writeDescriptor(0, RAM - 4, 8, DESC_F_WRITE, 0);
                    d.publish(0);
                }),
                Arguments.of("next index out of range", (Consumer<VirtioMmioDriver>) d -> {
                    d.writeDescriptor(0, 0x100000, 8, DESC_F_NEXT, 200);
                    d.publish(0);
                }),
                Arguments.of("a loop", (Consumer<VirtioMmioDriver>) d -> {
                    d.writeDescriptor(0, 0x100000, 8, DESC_F_NEXT, 1);
                    d.writeDescriptor(1, 0x100000, 8, DESC_F_NEXT, 2);
                    d.writeDescriptor(2, 0x100000, 8, DESC_F_NEXT, 0);
                    d.publish(0);
                }),
                Arguments.of("a chain longer than the queue", (Consumer<VirtioMmioDriver>) d -> {
                    for (int i = 0; i < 16; i++) {
                        d.writeDescriptor(i, 0x100000, 8, DESC_F_NEXT, (i + 1) % 16);
                    }
                    d.publish(0);
                }),
                Arguments.of("readable after writable", (Consumer<VirtioMmioDriver>) d -> {
                    d.writeDescriptor(0, 0x100000, 8, DESC_F_NEXT | DESC_F_WRITE, 1);
                    d.writeDescriptor(1, 0x100000, 8, 0, 0);
                    d.publish(0);
                }),
                Arguments.of("avail index jump", (Consumer<VirtioMmioDriver>) d -> {
                    d.writeDescriptor(0, 0x100000, 8, DESC_F_WRITE, 0);
                    d.setAvailIndex(1000);
                }),
                Arguments.of("indirect table outside RAM", (Consumer<VirtioMmioDriver>) d -> {
                    d.writeDescriptor(0, RAM, 16, DESC_F_INDIRECT, 0);
                    d.publish(0);
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileChains")
    void hostileChainPutsTheDeviceInNeedsResetAndTouchesNoUsedRing(String name, Consumer<VirtioMmioDriver> hostile) {
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1 | VirtioDevice.VIRTIO_F_INDIRECT_DESC, 16);
        memory.writeLong(VirtioMmioDriver.usedRing(0), 0x5A5A_5A5A_5A5A_5A5AL); // flags, idx, first elem
        hostile.accept(driver);
        driver.notifyQueue(0);

        assertThat(driver.status()).isEqualTo(READY | STATUS_DEVICE_NEEDS_RESET);
        assertThat(driver.read(REG_INTERRUPT_STATUS)).isEqualTo(INTERRUPT_CONFIG_CHANGE);
        assertThat(interrupts.get()).isEqualTo(1);
        assertThat(memory.readLong(VirtioMmioDriver.usedRing(0))).isEqualTo(0x5A5A_5A5A_5A5A_5A5AL);

        // Further notifications reach nothing and raise nothing until the driver resets.
        driver.notifyQueue(0);
        assertThat(interrupts.get()).isEqualTo(1);
        driver.write(REG_STATUS, 0);
        assertThat(driver.status()).isZero();
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1, 16);
        driver.roundTrip(Buffer.writable(0x200000, 4));
        assertThat(driver.status() & STATUS_DEVICE_NEEDS_RESET).isZero();
    }

    @Test
    void concurrentNotificationsAndRegisterReadsStayConsistent() throws Exception {
        driver.initialize(VirtioDevice.VIRTIO_F_VERSION_1, 16);
        AtomicInteger badStatus = new AtomicInteger(-1);
        Thread reader = new Thread(() -> {
            for (int i = 0; i < 50_000; i++) {
                int s = (int) transport.read(REG_STATUS, 4);
                if (s != READY) {
                    badStatus.compareAndSet(-1, s);
                }
                transport.write(REG_INTERRUPT_ACK, 4, INTERRUPT_USED_BUFFER);
            }
        });
        reader.start();
        for (int i = 0; i < 2_000; i++) {
            driver.roundTrip(Buffer.writable(0x200000, 4));
        }
        reader.join();
        assertThat(badStatus.get()).as("a Status read by another vCPU").isEqualTo(-1);
        assertThat(device.served).hasSize(2_000);
        assertThat(driver.status()).isEqualTo(READY);
    }

    @Test
    void slotsSitWhereTheMicrovmPutsThem() {
        assertThat(MmioSlot.of(0)).isEqualTo(new MmioSlot(0, 0xF010_0000L, 5));
        assertThat(MmioSlot.of(3).base()).isEqualTo(0xF010_0600L);
        assertThat(MmioSlot.of(3).irq()).isEqualTo(8);
        assertThat(MmioSlot.of(1).kernelParameter()).isEqualTo("virtio_mmio.device=512@0xf0100200:6");
        assertThat(List.of(MmioSlot.of(0).kernelParameter())).containsExactly("virtio_mmio.device=512@0xf0100000:5");
    }
}
