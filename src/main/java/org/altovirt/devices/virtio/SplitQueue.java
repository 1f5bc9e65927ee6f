package org.altovirt.devices.virtio;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.altovirt.memory.GuestMemory;

/**
 * The device side of one split virtqueue (virtio 1.x §2.7): takes the chains the driver made
 * available and hands them back through the used ring. Every value read from the rings is the
 * guest's and checked before use: a broken rule is a {@link QueueException} naming it, and the
 * transport then marks the device as needing a reset.
 *
 * <p>Not thread-safe: the device that owns it serialises its use. A queue the driver did not make
 * ready before DRIVER_OK is {@linkplain #isReady() not ready}: it has no chains and takes none.
 */
public final class SplitQueue {
    /** Descriptor flag: the chain goes on at {@code next}. */
    public static final int DESC_F_NEXT = 1;
    /** Descriptor flag: device-writable. */
    public static final int DESC_F_WRITE = 2;
    /** Descriptor flag: the buffer is a table of descriptors (needs VIRTIO_F_INDIRECT_DESC). */
    public static final int DESC_F_INDIRECT = 4;
    /** Available-ring flag: the driver asks for no used-buffer interrupts. */
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** Largest queue size the split layout allows (§2.7: Queue Size is at most 32768). */
    public static final int MAX_SIZE = 32768;
    /**
     * Most descriptors an indirect table may hold. The spec sets no limit; this bounds the work one
     * chain can cause (QEMU's limit is the same 1024).
     */
    static final int MAX_INDIRECT = 1024;

    private static final int DESC_SIZE = 16;

    private final GuestMemory memory;
    private final int index;
    private final int size;
    private final long descTable;
    private final long availRing;
    private final long usedRing;
    private final boolean indirectAllowed;
    private int lastAvail;
    private int nextUsed;

    private SplitQueue(GuestMemory memory, int index, QueueLayout layout, boolean indirectAllowed) {
        this.memory = memory;
        this.index = index;
        this.size = layout.size();
        this.descTable = layout.descTable();
        this.availRing = layout.availRing();
        this.usedRing = layout.usedRing();
        this.indirectAllowed = indirectAllowed;
    }

    /** A queue the driver did not set up. */
    static SplitQueue unready(GuestMemory memory, int index) {
        return new SplitQueue(memory, index, new QueueLayout(0, 0, 0, 0), false);
    }

    /**
     * A queue at {@code layout}; fails unless its size is a power of two no larger than
     * {@code maxSize} and the three areas lie in guest RAM at the alignment §2.7 demands.
     */
    static SplitQueue create(GuestMemory memory, int index, int maxSize, QueueLayout layout, long features)
            throws QueueException {
        int n = layout.size();
        if (n <= 0 || n > maxSize || (n & (n - 1)) != 0) {
            throw new QueueException(String.format(
                    "queue %d: size %d is not a power of two between 1 and %d", index, n, maxSize));
        }
        checkArea(memory, index, "descriptor table", layout.descTable(), (long) DESC_SIZE * n, 16);
        checkArea(memory, index, "available ring", layout.availRing(), 6 + 2L * n, 2);
        checkArea(memory, index, "used ring", layout.usedRing(), 6 + 8L * n, 4);
        return new SplitQueue(memory, index, layout, (features & VirtioDevice.VIRTIO_F_INDIRECT_DESC) != 0);
    }

    private static void checkArea(GuestMemory memory, int index, String what, long gpa, long len, int align)
            throws QueueException {
        if ((gpa & (align - 1)) != 0) {
            throw new QueueException(String.format(
                    "queue %d: %s at 0x%x is not %d-byte aligned", index, what, gpa, align));
        }
        if (!memory.contains(gpa, len)) {
            throw new QueueException(String.format(
                    "queue %d: %s [0x%x, +0x%x) is not in guest RAM", index, what, gpa, len));
        }
    }

    /** The next available-ring entry the device will take (for a snapshot). */
    int lastAvail() {
        return lastAvail;
    }

    /** The used index the device will write next (for a snapshot). */
    int nextUsed() {
        return nextUsed;
    }

    /** Where a restored queue goes on from: the indices a snapshot saved. */
    void restoreIndices(int lastAvail, int nextUsed) {
        this.lastAvail = lastAvail & 0xFFFF;
        this.nextUsed = nextUsed & 0xFFFF;
    }

    /** The queue's index within its device. */
    public int index() {
        return index;
    }

    /** Whether the driver set this queue up; an unready queue has size 0. */
    public boolean isReady() {
        return size > 0;
    }

    /** Number of descriptors (QueueNum). */
    public int size() {
        return size;
    }

    /**
     * The next chain the driver made available, or empty when there is none. Consumes it: the
     * device must later {@linkplain #addUsed hand it back}.
     */
    public Optional<DescriptorChain> pop() throws QueueException {
        if (!isReady()) {
            return Optional.empty();
        }
        int availIdx = memory.readShort(availRing + 2) & 0xFFFF;
        int pending = (availIdx - lastAvail) & 0xFFFF;
        if (pending == 0) {
            return Optional.empty();
        }
        if (pending > size) {
            throw new QueueException(String.format(
                    "queue %d: available index jumped from %d to %d, more than the queue size %d",
                    index, lastAvail, availIdx, size));
        }
        // The ring entry must be read after the index that published it (§2.7.13: the driver
        // writes the entry, then a barrier, then the index).
        VarHandle.acquireFence();
        int head = memory.readShort(availRing + 4 + 2L * (lastAvail % size)) & 0xFFFF;
        if (head >= size) {
            throw new QueueException(String.format(
                    "queue %d: available ring entry %d names descriptor %d, but the queue has %d",
                    index, lastAvail % size, head, size));
        }
        DescriptorChain chain = walk(head);
        lastAvail = (lastAvail + 1) & 0xFFFF;
        return Optional.of(chain);
    }

    private DescriptorChain walk(int head) throws QueueException {
        List<Descriptor> out = new ArrayList<>();
        int i = head;
        for (int count = 0; ; count++) {
            if (count >= size) {
                throw new QueueException(String.format(
                        "queue %d: chain at head %d is longer than the queue size %d (a loop?)", index, head, size));
            }
            long at = descTable + (long) DESC_SIZE * i;
            int flags = memory.readShort(at + 12) & 0xFFFF;
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (count != 0 || (flags & DESC_F_NEXT) != 0) {
                    throw new QueueException(String.format(
                            "queue %d: indirect descriptor %d of chain at head %d is not the chain's only descriptor",
                            index, i, head));
                }
                walkIndirect(head, memory.readLong(at), memory.readInt(at + 8) & 0xFFFF_FFFFL, out);
                break;
            }
            add(out, head, i, memory.readLong(at), memory.readInt(at + 8) & 0xFFFF_FFFFL, flags);
            if ((flags & DESC_F_NEXT) == 0) {
                break;
            }
            int next = memory.readShort(at + 14) & 0xFFFF;
            if (next >= size) {
                throw new QueueException(String.format(
                        "queue %d: descriptor %d of chain at head %d has next %d, but the queue has %d",
                        index, i, head, next, size));
            }
            i = next;
        }
        return new DescriptorChain(head, out);
    }

    private void walkIndirect(int head, long table, long len, List<Descriptor> out) throws QueueException {
        if (!indirectAllowed) {
            throw new QueueException(String.format(
                    "queue %d: chain at head %d uses an indirect table, but VIRTIO_F_INDIRECT_DESC was not negotiated",
                    index, head));
        }
        if (len == 0 || len % DESC_SIZE != 0 || len / DESC_SIZE > MAX_INDIRECT) {
            throw new QueueException(String.format(
                    "queue %d: indirect table of chain at head %d is %d bytes, not 1 to %d descriptors of 16",
                    index, head, len, MAX_INDIRECT));
        }
        if ((table & (DESC_SIZE - 1)) != 0) {
            throw new QueueException(String.format(
                    "queue %d: indirect table at 0x%x of chain at head %d is not 16-byte aligned", index, table, head));
        }
        if (!memory.contains(table, len)) {
            throw new QueueException(String.format(
                    "queue %d: indirect table [0x%x, +0x%x) of chain at head %d is not in guest RAM",
                    index, table, len, head));
        }
        int entries = (int) (len / DESC_SIZE);
        int i = 0;
        for (int count = 0; ; count++) {
            if (count >= entries) {
                throw new QueueException(String.format(
                        "queue %d: indirect chain at head %d is longer than its table of %d (a loop?)",
                        index, head, entries));
            }
            long at = table + (long) DESC_SIZE * i;
            int flags = memory.readShort(at + 12) & 0xFFFF;
            if ((flags & DESC_F_INDIRECT) != 0) {
                throw new QueueException(String.format(
                        "queue %d: indirect table of chain at head %d holds another indirect descriptor", index, head));
            }
            add(out, head, i, memory.readLong(at), memory.readInt(at + 8) & 0xFFFF_FFFFL, flags);
            if ((flags & DESC_F_NEXT) == 0) {
                return;
            }
            int next = memory.readShort(at + 14) & 0xFFFF;
            if (next >= entries) {
                throw new QueueException(String.format(
                        "queue %d: indirect descriptor %d of chain at head %d has next %d, but the table has %d",
                        index, i, head, next, entries));
            }
            i = next;
        }
    }

    private void add(List<Descriptor> out, int head, int i, long addr, long len, int flags) throws QueueException {
        boolean writable = (flags & DESC_F_WRITE) != 0;
        if (!memory.contains(addr, len)) {
            throw new QueueException(String.format(
                    "queue %d: descriptor %d of chain at head %d: buffer [0x%x, +0x%x) is not in guest RAM",
                    index, i, head, addr, len));
        }
        if (!writable && !out.isEmpty() && out.get(out.size() - 1).writable()) {
            throw new QueueException(String.format(
                    "queue %d: descriptor %d of chain at head %d is device-readable after a device-writable one",
                    index, i, head));
        }
        out.add(new Descriptor(addr, len, writable));
    }

    /**
     * Hands chain {@code head} back to the driver with {@code written} bytes written into its
     * device-writable buffers.
     */
    public void addUsed(int head, long written) throws QueueException {
        if (!isReady() || head < 0 || head >= size) {
            throw new QueueException(String.format("queue %d: cannot return head %d (size %d)", index, head, size));
        }
        long elem = usedRing + 4 + 8L * (nextUsed % size);
        memory.writeInt(elem, head);
        memory.writeInt(elem + 4, (int) written);
        // The element must be visible before the index that publishes it (§2.7.8).
        VarHandle.releaseFence();
        nextUsed = (nextUsed + 1) & 0xFFFF;
        memory.writeShort(usedRing + 2, (short) nextUsed);
    }

    /** Whether the driver wants a used-buffer interrupt now (it did not set VIRTQ_AVAIL_F_NO_INTERRUPT). */
    public boolean needsInterrupt() {
        if (!isReady()) {
            return false;
        }
        // The used index written before must be visible before the flags are read, else an
        // interrupt the driver re-enabled in between could be missed (§2.7.10).
        VarHandle.fullFence();
        return (memory.readShort(availRing) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    @Override
    public String toString() {
        return String.format("SplitQueue[%d: size %d, desc 0x%x, avail 0x%x, used 0x%x, last avail %d, next used %d]",
                index, size, descTable, availRing, usedRing, lastAvail, nextUsed);
    }
}
