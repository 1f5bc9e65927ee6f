package org.altovirt.devices.virtio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.altovirt.memory.GuestMemory;

/**
 * The guest's side of a virtio-mmio transport, for tests: register accesses through
 * {@link MmioTransport#read}/{@link MmioTransport#write} as a vCPU would make them, and split
 * rings laid out in guest memory as a driver lays them out.
 */
public final class VirtioMmioDriver {
    /** A buffer the driver offers: where, how long, and whether the device may write it. */
    public record Buffer(long address, int length, boolean writable) {
        public static Buffer readable(long address, int length) {
            return new Buffer(address, length, false);
        }

        public static Buffer writable(long address, int length) {
            return new Buffer(address, length, true);
        }
    }

    /** An entry of the used ring. */
    public record Used(int head, int length) {}

    /** Descriptor table of queue q at RING_BASE + q * 0x4000, available ring +0x1000, used ring +0x2000. */
    public static final long RING_BASE = 0x10000;

    private final MmioTransport transport;
    private final GuestMemory memory;
    private int queueSize;
    private int nextDesc;
    private int availIdx;
    private int usedSeen;

    public VirtioMmioDriver(MmioTransport transport, GuestMemory memory) {
        this.transport = transport;
        this.memory = memory;
    }

    public int read(int register) {
        return (int) transport.read(register, 4);
    }

    public void write(int register, int value) {
        transport.write(register, 4, value & 0xFFFF_FFFFL);
    }

    public long readConfig(int offset, int size) {
        return transport.read(MmioTransport.REG_CONFIG + offset, size);
    }

    public int status() {
        return read(MmioTransport.REG_STATUS);
    }

    public long deviceFeatures() {
        write(MmioTransport.REG_DEVICE_FEATURES_SEL, 0);
        long low = read(MmioTransport.REG_DEVICE_FEATURES) & 0xFFFF_FFFFL;
        write(MmioTransport.REG_DEVICE_FEATURES_SEL, 1);
        long high = read(MmioTransport.REG_DEVICE_FEATURES) & 0xFFFF_FFFFL;
        return high << 32 | low;
    }

    public void writeDriverFeatures(long features) {
        write(MmioTransport.REG_DRIVER_FEATURES_SEL, 0);
        write(MmioTransport.REG_DRIVER_FEATURES, (int) features);
        write(MmioTransport.REG_DRIVER_FEATURES_SEL, 1);
        write(MmioTransport.REG_DRIVER_FEATURES, (int) (features >>> 32));
    }

    public static long descTable(int queue) {
        return RING_BASE + queue * 0x4000L;
    }

    public static long availRing(int queue) {
        return descTable(queue) + 0x1000;
    }

    public static long usedRing(int queue) {
        return descTable(queue) + 0x2000;
    }

    /** Reset, ACKNOWLEDGE, DRIVER and feature negotiation (§3.1.1); returns whether FEATURES_OK stuck. */
    public boolean negotiate(long wanted) {
        assertThat(read(MmioTransport.REG_MAGIC)).isEqualTo(0x74726976);
        assertThat(read(MmioTransport.REG_VERSION)).isEqualTo(2);
        write(MmioTransport.REG_STATUS, 0);
        write(MmioTransport.REG_STATUS, MmioTransport.STATUS_ACKNOWLEDGE);
        write(MmioTransport.REG_STATUS, MmioTransport.STATUS_ACKNOWLEDGE | MmioTransport.STATUS_DRIVER);
        writeDriverFeatures(deviceFeatures() & wanted);
        int s = MmioTransport.STATUS_ACKNOWLEDGE | MmioTransport.STATUS_DRIVER | MmioTransport.STATUS_FEATURES_OK;
        write(MmioTransport.REG_STATUS, s);
        return (status() & MmioTransport.STATUS_FEATURES_OK) != 0;
    }

    /** Sets up queue {@code q} with {@code size} descriptors at its default place (zeroed rings). */
    public void setUpQueue(int q, int size) {
        setUpQueue(q, size, descTable(q), availRing(q), usedRing(q));
    }

    public void setUpQueue(int q, int size, long desc, long avail, long used) {
        write(MmioTransport.REG_QUEUE_SEL, q);
        assertThat(read(MmioTransport.REG_QUEUE_READY)).isZero();
        assertThat(read(MmioTransport.REG_QUEUE_NUM_MAX)).isGreaterThanOrEqualTo(size);
        if (memory.contains(desc, 0x3000)) {
            memory.zero(desc, 0x3000);
        }
        write(MmioTransport.REG_QUEUE_NUM, size);
        write(MmioTransport.REG_QUEUE_DESC_LOW, (int) desc);
        write(MmioTransport.REG_QUEUE_DESC_HIGH, (int) (desc >>> 32));
        write(MmioTransport.REG_QUEUE_DRIVER_LOW, (int) avail);
        write(MmioTransport.REG_QUEUE_DRIVER_HIGH, (int) (avail >>> 32));
        write(MmioTransport.REG_QUEUE_DEVICE_LOW, (int) used);
        write(MmioTransport.REG_QUEUE_DEVICE_HIGH, (int) (used >>> 32));
        write(MmioTransport.REG_QUEUE_READY, 1);
        assertThat(read(MmioTransport.REG_QUEUE_READY)).isEqualTo(1);
        if (q == 0) {
            queueSize = size;
            nextDesc = 0;
            availIdx = 0;
            usedSeen = 0;
        }
    }

    public void driverOk() {
        write(MmioTransport.REG_STATUS, status() | MmioTransport.STATUS_DRIVER_OK);
    }

    /** The whole initialisation of a one-queue device; asserts it ends DRIVER_OK without errors. */
    public void initialize(long wanted, int queueSize) {
        assertThat(negotiate(wanted)).as("FEATURES_OK").isTrue();
        setUpQueue(0, queueSize);
        driverOk();
        assertThat(status()).isEqualTo(MmioTransport.STATUS_ACKNOWLEDGE | MmioTransport.STATUS_DRIVER
                | MmioTransport.STATUS_FEATURES_OK | MmioTransport.STATUS_DRIVER_OK);
    }

    /** Writes descriptor {@code i} of queue 0's table. */
    public void writeDescriptor(int i, long addr, long len, int flags, int next) {
        long at = descTable(0) + 16L * i;
        memory.writeLong(at, addr);
        memory.writeInt(at + 8, (int) len);
        memory.writeShort(at + 12, (short) flags);
        memory.writeShort(at + 14, (short) next);
    }

    /** Puts {@code head} in queue 0's available ring and publishes it. */
    public void publish(int head) {
        memory.writeShort(availRing(0) + 4 + 2L * (availIdx % queueSize), (short) head);
        availIdx = (availIdx + 1) & 0xFFFF;
        memory.writeShort(availRing(0) + 2, (short) availIdx);
    }

    /** Sets queue 0's available index as a hostile driver might. */
    public void setAvailIndex(int idx) {
        availIdx = idx & 0xFFFF;
        memory.writeShort(availRing(0) + 2, (short) availIdx);
    }

    /** Chains {@code buffers} in fresh descriptors of queue 0 and makes them available; returns the head. */
    public int submit(Buffer... buffers) {
        int head = nextDesc;
        for (int i = 0; i < buffers.length; i++) {
            int d = (nextDesc + i) % queueSize;
            boolean last = i == buffers.length - 1;
            writeDescriptor(d, buffers[i].address(), buffers[i].length(),
                    (last ? 0 : SplitQueue.DESC_F_NEXT) | (buffers[i].writable() ? SplitQueue.DESC_F_WRITE : 0),
                    last ? 0 : (d + 1) % queueSize);
        }
        nextDesc = (nextDesc + buffers.length) % queueSize;
        publish(head);
        return head;
    }

    public void notifyQueue(int q) {
        write(MmioTransport.REG_QUEUE_NOTIFY, q);
    }

    /** Queue 0's used index as the device wrote it. */
    public int usedIndex() {
        return memory.readShort(usedRing(0) + 2) & 0xFFFF;
    }

    /** The used entries the device added since the last call. */
    public List<Used> takeUsed() {
        List<Used> out = new ArrayList<>();
        int idx = usedIndex();
        while (usedSeen != idx) {
            long elem = usedRing(0) + 4 + 8L * (usedSeen % queueSize);
            out.add(new Used(memory.readInt(elem), memory.readInt(elem + 4)));
            usedSeen = (usedSeen + 1) & 0xFFFF;
        }
        return out;
    }

    /** Submits, notifies, and returns the one used entry that must result. */
    public Used roundTrip(Buffer... buffers) {
        int head = submit(buffers);
        notifyQueue(0);
        List<Used> used = takeUsed();
        assertThat(used).as("used entries").hasSize(1);
        assertThat(used.get(0).head()).isEqualTo(head);
        return used.get(0);
    }

    /** Reads and acknowledges InterruptStatus, as Linux's handler does. */
    public int acknowledgeInterrupt() {
        int s = read(MmioTransport.REG_INTERRUPT_STATUS);
        write(MmioTransport.REG_INTERRUPT_ACK, s);
        return s;
    }
}
