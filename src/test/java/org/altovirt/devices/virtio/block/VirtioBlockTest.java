package org.altovirt.devices.virtio.block;

import static org.altovirt.devices.virtio.VirtioMmioDriver.Buffer.readable;
import static org.altovirt.devices.virtio.VirtioMmioDriver.Buffer.writable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.altovirt.devices.virtio.MmioTransport;
import org.altovirt.devices.virtio.SplitQueue;
import org.altovirt.devices.virtio.VirtioDevice;
import org.altovirt.devices.virtio.VirtioMmioDriver;
import org.altovirt.devices.virtio.VirtioMmioDriver.Buffer;
import org.altovirt.memory.GuestMemory;
import org.altovirt.sys.LibC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk as a guest driver uses it, against a real image file. */
class VirtioBlockTest {
    private static final long RAM = 64L << 20;
    private static final int DISK_BYTES = 4 << 20;
    private static final long HEADER = 0x100000;
    private static final long DATA = 0x200000;
    private static final long STATUS = 0x1F0000;
    private static final int QUEUE_SIZE = 128;
    private static final long ALL_FEATURES = -1L;

    @TempDir
    Path dir;

    private GuestMemory memory;
    private Path image;
    private VirtioBlock block;
    private MmioTransport transport;
    private VirtioMmioDriver driver;
    private final AtomicInteger interrupts = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.anonymous(RAM);
        image = dir.resolve("disk.img");
        Files.write(image, pattern(0, DISK_BYTES));
    }

    @AfterEach
    void tearDown() {
        if (block != null) {
            block.close();
        }
        memory.close();
    }

    /** Byte i of the original image. */
    private static byte[] pattern(long from, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            long at = from + i;
            b[i] = (byte) (at * 7 + at / 512);
        }
        return b;
    }

    private void start(VirtioBlock device) {
        block = device;
        transport = new MmioTransport("virtio-blk test", device, memory, interrupts::incrementAndGet);
        driver = new VirtioMmioDriver(transport, memory);
        driver.initialize(ALL_FEATURES, QUEUE_SIZE);
    }

    private void startWithDisk(boolean readOnly, boolean direct) throws IOException {
        start(VirtioBlock.open(image, readOnly, direct, "vda-serial"));
    }

    private void header(int type, long sector) {
        memory.writeInt(HEADER, type);
        memory.writeInt(HEADER + 4, 0);
        memory.writeLong(HEADER + 8, sector);
    }

    /** One request: header, data buffers, status byte; returns the status. */
    private int request(int type, long sector, Buffer... data) {
        header(type, sector);
        memory.writeByte(STATUS, (byte) 0x7F);
        Buffer[] chain = new Buffer[data.length + 2];
        chain[0] = readable(HEADER, 16);
        System.arraycopy(data, 0, chain, 1, data.length);
        chain[chain.length - 1] = writable(STATUS, 1);
        lastUsedLength = driver.roundTrip(chain).length();
        return memory.readByte(STATUS);
    }

    private int lastUsedLength;

    private byte[] guest(long gpa, int length) {
        byte[] b = new byte[length];
        memory.read(gpa, b, 0, length);
        return b;
    }

    private byte[] file(long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            byte[] b = new byte[length];
            f.seek(offset);
            f.readFully(b);
            return b;
        }
    }

    private long capacityFromConfig() {
        return transport.read(0x100, 8);
    }

    @Test
    void offersTheFeaturesALinuxDriverNeeds() throws Exception {
        startWithDisk(false, false);
        assertThat(driver.read(0x008)).isEqualTo(2);
        long f = driver.deviceFeatures();
        assertThat(f & VirtioDevice.VIRTIO_F_VERSION_1).isNotZero();
        assertThat(f & VirtioBlock.F_FLUSH).isNotZero();
        assertThat(f & VirtioBlock.F_RO).isZero();
        assertThat(capacityFromConfig()).isEqualTo(DISK_BYTES / 512);
        assertThat(transport.read(0x100 + 12, 4)).as("seg_max").isEqualTo(VirtioBlock.QUEUE_SIZE - 2);
    }

    @Test
    void readsLandInGuestMemory() throws Exception {
        startWithDisk(false, false);
        assertThat(request(BlockRequest.T_IN, 3, writable(DATA, 1024))).isEqualTo(VirtioBlock.S_OK);
        assertThat(guest(DATA, 1024)).isEqualTo(pattern(3 * 512, 1024));
        assertThat(lastUsedLength).isEqualTo(1025);
        assertThat(interrupts.get()).isEqualTo(1);
        assertThat(driver.acknowledgeInterrupt()).isEqualTo(MmioTransport.INTERRUPT_USED_BUFFER);
    }

    @Test
    void writesLandInTheFileAtTheRightOffset() throws Exception {
        startWithDisk(false, false);
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 0xAB);
        memory.write(DATA, data, 0, data.length);
        assertThat(request(BlockRequest.T_OUT, 5, readable(DATA, 1024))).isEqualTo(VirtioBlock.S_OK);
        assertThat(lastUsedLength).isEqualTo(1);
        assertThat(file(5 * 512, 1024)).isEqualTo(data);
        assertThat(file(0, 5 * 512)).isEqualTo(pattern(0, 5 * 512));
        assertThat(file(7 * 512, 4096)).isEqualTo(pattern(7 * 512, 4096));
        assertThat(request(BlockRequest.T_FLUSH, 0)).isEqualTo(VirtioBlock.S_OK);
    }

    @Test
    void getIdAnswersTheSerialPaddedToTwentyBytes() throws Exception {
        startWithDisk(false, false);
        memory.zero(DATA, 64);
        memory.writeByte(DATA + 19, (byte) 0x55);
        assertThat(request(BlockRequest.T_GET_ID, 0, writable(DATA, 20))).isEqualTo(VirtioBlock.S_OK);
        byte[] id = Arrays.copyOf("vda-serial".getBytes(StandardCharsets.US_ASCII), 20);
        assertThat(guest(DATA, 20)).isEqualTo(id);
        assertThat(lastUsedLength).isEqualTo(21);
    }

    @Test
    void aLongIdIsCutToTwentyBytes() throws Exception {
        start(VirtioBlock.open(image, false, false, "a-serial-number-longer-than-twenty"));
        assertThat(request(BlockRequest.T_GET_ID, 0, writable(DATA, 20))).isEqualTo(VirtioBlock.S_OK);
        assertThat(new String(guest(DATA, 20), StandardCharsets.US_ASCII)).isEqualTo("a-serial-number-long");
    }

    @Test
    void unknownRequestTypesAreUnsupported() throws Exception {
        startWithDisk(false, false);
        assertThat(request(11, 0, writable(DATA, 512))).isEqualTo(VirtioBlock.S_UNSUPP);
        assertThat(request(0x7FFF_FFFF, 0)).isEqualTo(VirtioBlock.S_UNSUPP);
    }

    @Test
    void readOnlyDiskRefusesWritesAndKeepsTheFile() throws Exception {
        startWithDisk(true, false);
        assertThat(driver.deviceFeatures() & VirtioBlock.F_RO).isNotZero();
        memory.zero(DATA, 512);
        assertThat(request(BlockRequest.T_OUT, 0, readable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(file(0, DISK_BYTES)).isEqualTo(pattern(0, DISK_BYTES));
        assertThat(request(BlockRequest.T_IN, 1, writable(DATA, 512))).isEqualTo(VirtioBlock.S_OK);
        assertThat(guest(DATA, 512)).isEqualTo(pattern(512, 512));
        assertThat(request(BlockRequest.T_FLUSH, 0)).isEqualTo(VirtioBlock.S_OK);
    }

    @Test
    void requestsBeyondTheCapacityFail() throws Exception {
        startWithDisk(false, false);
        long last = DISK_BYTES / 512 - 1;
        assertThat(request(BlockRequest.T_IN, last, writable(DATA, 512))).isEqualTo(VirtioBlock.S_OK);
        assertThat(request(BlockRequest.T_IN, last, writable(DATA, 1024))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(lastUsedLength).isEqualTo(1);
        assertThat(request(BlockRequest.T_OUT, last + 1, readable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(BlockRequest.T_IN, -1L, writable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(BlockRequest.T_IN, Long.MAX_VALUE / 256, writable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(BlockRequest.T_IN, 0, writable(DATA, 100))).as("not whole sectors").isEqualTo(VirtioBlock.S_IOERR);
        assertThat(Files.size(image)).isEqualTo(DISK_BYTES);
        assertThat(file(0, DISK_BYTES)).isEqualTo(pattern(0, DISK_BYTES));
    }

    @Test
    void requestsMayBeSplitAnyWayBetweenDescriptors() throws Exception {
        startWithDisk(false, false);
        // Header in two pieces; data in three of odd sizes, the last sharing its descriptor with the status.
        header(BlockRequest.T_IN, 2);
        long statusAt = DATA + 0x10000 + 24;
        memory.writeByte(statusAt, (byte) 0x7F);
        driver.roundTrip(readable(HEADER, 10), readable(HEADER + 10, 6),
                writable(DATA, 100), writable(DATA + 0x1000, 900), writable(DATA + 0x10000, 25));
        assertThat(memory.readByte(statusAt)).isEqualTo((byte) VirtioBlock.S_OK);
        byte[] expected = pattern(1024, 1024);
        assertThat(guest(DATA, 100)).isEqualTo(Arrays.copyOfRange(expected, 0, 100));
        assertThat(guest(DATA + 0x1000, 900)).isEqualTo(Arrays.copyOfRange(expected, 100, 1000));
        assertThat(guest(DATA + 0x10000, 24)).isEqualTo(Arrays.copyOfRange(expected, 1000, 1024));
    }

    @Test
    void requestsThroughAnIndirectTableWork() throws Exception {
        startWithDisk(false, false);
        header(BlockRequest.T_IN, 4);
        long table = 0x80000;
        writeDesc(table, 0, HEADER, 16, SplitQueue.DESC_F_NEXT, 1);
        writeDesc(table, 1, DATA, 512, SplitQueue.DESC_F_NEXT | SplitQueue.DESC_F_WRITE, 2);
        writeDesc(table, 2, STATUS, 1, SplitQueue.DESC_F_WRITE, 0);
        driver.writeDescriptor(0, table, 48, SplitQueue.DESC_F_INDIRECT, 0);
        driver.publish(0);
        driver.notifyQueue(0);
        assertThat(driver.takeUsed()).containsExactly(new VirtioMmioDriver.Used(0, 513));
        assertThat(memory.readByte(STATUS)).isEqualTo((byte) VirtioBlock.S_OK);
        assertThat(guest(DATA, 512)).isEqualTo(pattern(4 * 512, 512));
    }

    private void writeDesc(long table, int i, long addr, int len, int flags, int next) {
        long at = table + 16L * i;
        memory.writeLong(at, addr);
        memory.writeInt(at + 8, len);
        memory.writeShort(at + 12, (short) flags);
        memory.writeShort(at + 14, (short) next);
    }

    @Test
    void aRequestWithoutRoomForItsStatusNeedsAReset() throws Exception {
        startWithDisk(false, false);
        header(BlockRequest.T_IN, 0);
        driver.submit(readable(HEADER, 16), readable(DATA, 512));
        driver.notifyQueue(0);
        assertThat(driver.status() & MmioTransport.STATUS_DEVICE_NEEDS_RESET).isNotZero();
        assertThat(driver.usedIndex()).isZero();
        assertThat(driver.read(0x060) & MmioTransport.INTERRUPT_CONFIG_CHANGE).isNotZero();
    }

    @Test
    void aShortHeaderNeedsAReset() throws Exception {
        startWithDisk(false, false);
        driver.submit(readable(HEADER, 8), writable(STATUS, 1));
        driver.notifyQueue(0);
        assertThat(driver.status() & MmioTransport.STATUS_DEVICE_NEEDS_RESET).isNotZero();
    }

    @Test
    void aWriteFromOutsideRamNeedsAResetAndLeavesTheFile() throws Exception {
        startWithDisk(false, false);
        header(BlockRequest.T_OUT, 0);
        driver.submit(readable(HEADER, 16), readable(RAM - 256, 512), writable(STATUS, 1));
        driver.notifyQueue(0);
        assertThat(driver.status() & MmioTransport.STATUS_DEVICE_NEEDS_RESET).isNotZero();
        assertThat(driver.usedIndex()).isZero();
        assertThat(file(0, 4096)).isEqualTo(pattern(0, 4096));
    }

    @Test
    void anEmptySlotHasCapacityZeroAndFailsEveryRequest() {
        start(new VirtioBlock());
        assertThat(driver.read(0x008)).isEqualTo(2);
        assertThat(capacityFromConfig()).isZero();
        assertThat(request(BlockRequest.T_IN, 0, writable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(BlockRequest.T_OUT, 0, readable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(BlockRequest.T_FLUSH, 0)).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(request(BlockRequest.T_GET_ID, 0, writable(DATA, 20))).isEqualTo(VirtioBlock.S_IOERR);
    }

    @Test
    void attachingADiskTellsTheDriverAndDetachingEmptiesTheSlot() throws Exception {
        start(new VirtioBlock());
        int generation = driver.read(0xFC);
        block.attach(RawFile.open(image, false, false), "hot");
        assertThat(driver.read(0xFC)).isNotEqualTo(generation);
        assertThat(interrupts.get()).isEqualTo(1);
        assertThat(driver.acknowledgeInterrupt() & MmioTransport.INTERRUPT_CONFIG_CHANGE).isNotZero();
        assertThat(capacityFromConfig()).isEqualTo(DISK_BYTES / 512);
        assertThat(request(BlockRequest.T_IN, 8, writable(DATA, 512))).isEqualTo(VirtioBlock.S_OK);
        assertThat(guest(DATA, 512)).isEqualTo(pattern(8 * 512, 512));

        assertThatThrownBy(() -> block.attach(RawFile.open(image, true, false), "again"))
                .isInstanceOf(IllegalStateException.class);

        generation = driver.read(0xFC);
        int before = interrupts.get();
        assertThat(block.detach()).isTrue();
        assertThat(driver.read(0xFC)).isNotEqualTo(generation);
        assertThat(interrupts.get()).isEqualTo(before + 1);
        assertThat(capacityFromConfig()).isZero();
        assertThat(request(BlockRequest.T_IN, 8, writable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
        assertThat(block.detach()).isFalse();
    }

    @Test
    void directIoOnARealFileSystemServesAlignedAndUnalignedBuffers() throws Exception {
        startWithDisk(false, true);
        RawFile raw = (RawFile) block.backend().orElseThrow();
        Assumptions.assumeTrue(raw.direct(), "the file system of the temporary directory refused O_DIRECT");

        // Aligned: straight into guest memory.
        assertThat(request(BlockRequest.T_IN, 16, writable(DATA, 4096))).isEqualTo(VirtioBlock.S_OK);
        assertThat(guest(DATA, 4096)).isEqualTo(pattern(16 * 512, 4096));
        // Unaligned guest buffers and more than the bounce buffer: through it, in pieces.
        int big = RawFile.BOUNCE_SIZE + 3 * 512;
        assertThat(request(BlockRequest.T_IN, 1, writable(DATA + 3, 100), writable(DATA + 0x1000, big - 100)))
                .isEqualTo(VirtioBlock.S_OK);
        byte[] expected = pattern(512, big);
        assertThat(guest(DATA + 3, 100)).isEqualTo(Arrays.copyOfRange(expected, 0, 100));
        assertThat(guest(DATA + 0x1000, big - 100)).isEqualTo(Arrays.copyOfRange(expected, 100, big));

        byte[] data = pattern(12345, big);
        memory.write(DATA + 0x1000 + 7, data, 0, big);
        assertThat(request(BlockRequest.T_OUT, 100, readable(DATA + 0x1000 + 7, big))).isEqualTo(VirtioBlock.S_OK);
        assertThat(file(100 * 512, big)).isEqualTo(data);
        assertThat(file(0, 100 * 512)).isEqualTo(pattern(0, 100 * 512));
        assertThat(request(BlockRequest.T_FLUSH, 0)).isEqualTo(VirtioBlock.S_OK);
    }

    @Test
    void aFileSystemRefusingODirectFallsBackToBufferedIo() throws Exception {
        RawFile.Opener noDirect = (path, flags) ->
                (flags & LibC.O_DIRECT) != 0 ? -LibC.EINVAL : RawFile.LIBC_OPENER.open(path, flags);
        RawFile raw = RawFile.open(image, false, true, noDirect);
        assertThat(raw.direct()).isFalse();
        VirtioBlock device = new VirtioBlock();
        device.attach(raw, "fallback");
        start(device);
        memory.write(DATA, pattern(99, 512), 0, 512);
        assertThat(request(BlockRequest.T_OUT, 2, readable(DATA, 512))).isEqualTo(VirtioBlock.S_OK);
        assertThat(file(1024, 512)).isEqualTo(pattern(99, 512));
        assertThat(request(BlockRequest.T_IN, 3, writable(DATA + 1, 512))).isEqualTo(VirtioBlock.S_OK);
        assertThat(guest(DATA + 1, 512)).isEqualTo(pattern(3 * 512, 512));
    }

    @Test
    void directOnTmpfsServesRequestsWhicheverWayTheKernelAnswers() throws Exception {
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm), "no writable /dev/shm");
        Path onTmpfs = Files.createTempFile(shm, "altovirt-blk", ".img");
        try {
            Files.write(onTmpfs, pattern(0, 64 * 1024));
            image = onTmpfs;
            startWithDisk(false, true);
            assertThat(request(BlockRequest.T_IN, 1, writable(DATA + 5, 1024))).isEqualTo(VirtioBlock.S_OK);
            assertThat(guest(DATA + 5, 1024)).isEqualTo(pattern(512, 1024));
        } finally {
            block.close();
            block = null;
            Files.deleteIfExists(onTmpfs);
        }
    }

    @Test
    void openingAMissingFileNamesIt() {
        Path missing = dir.resolve("nope.img");
        assertThatThrownBy(() -> RawFile.open(missing, false, false))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("No such file");
    }

    @Test
    void capacityRoundsDownToWholeSectors() throws Exception {
        Files.write(image, new byte[1000]);
        startWithDisk(false, false);
        assertThat(capacityFromConfig()).isEqualTo(1);
        assertThat(request(BlockRequest.T_IN, 1, writable(DATA, 512))).isEqualTo(VirtioBlock.S_IOERR);
    }
}
