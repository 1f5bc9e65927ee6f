package org.altovirt.devices.virtio;

import static org.altovirt.devices.virtio.SplitQueue.DESC_F_INDIRECT;
import static org.altovirt.devices.virtio.SplitQueue.DESC_F_NEXT;
import static org.altovirt.devices.virtio.SplitQueue.DESC_F_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The split virtqueue against rings a guest laid out in its memory, friendly and hostile. */
class SplitQueueTest {
    private static final long RAM = 64L << 20;
    private static final long DESC = 0x10000;
    private static final long AVAIL = 0x11000;
    private static final long USED = 0x12000;
    private static final int SIZE = 16;
    private static final long ALL = VirtioDevice.VIRTIO_F_VERSION_1 | VirtioDevice.VIRTIO_F_INDIRECT_DESC;

    private GuestMemory memory;
    private SplitQueue queue;
    private int availIdx;

    @BeforeEach
    void setUp() throws Exception {
        memory = GuestMemory.anonymous(RAM);
        queue = create(ALL);
    }

    @AfterEach
    void tearDown() {
        memory.close();
    }

    private SplitQueue create(long features) throws QueueException {
        return SplitQueue.create(memory, 0, 256, new QueueLayout(SIZE, DESC, AVAIL, USED), features);
    }

    private void desc(long table, int i, long addr, long len, int flags, int next) {
        long at = table + 16L * i;
        memory.writeLong(at, addr);
        memory.writeInt(at + 8, (int) len);
        memory.writeShort(at + 12, (short) flags);
        memory.writeShort(at + 14, (short) next);
    }

    private void desc(int i, long addr, long len, int flags, int next) {
        desc(DESC, i, addr, len, flags, next);
    }

    private void publish(int head) {
        memory.writeShort(AVAIL + 4 + 2L * (availIdx % SIZE), (short) head);
        availIdx = (availIdx + 1) & 0xFFFF;
        memory.writeShort(AVAIL + 2, (short) availIdx);
    }

    private void assertRefused(String messagePart) {
        assertThatThrownBy(() -> queue.pop()).isInstanceOf(QueueException.class).hasMessageContaining(messagePart);
    }

    @Test
    void popsAChainInOrderAndReturnsItThroughTheUsedRing() throws Exception {
        desc(3, 0x100000, 16, DESC_F_NEXT, 7);
        desc(7, 0x200000, 4096, DESC_F_NEXT | DESC_F_WRITE, 1);
        desc(1, 0x300000, 1, DESC_F_WRITE, 0);
        publish(3);

        DescriptorChain chain = queue.pop().orElseThrow();
        assertThat(chain.head()).isEqualTo(3);
        assertThat(chain.descriptors()).containsExactly(
                new Descriptor(0x100000, 16, false),
                new Descriptor(0x200000, 4096, true),
                new Descriptor(0x300000, 1, true));
        assertThat(queue.pop()).isEmpty();

        queue.addUsed(3, 4097);
        assertThat(memory.readShort(USED + 2)).isEqualTo((short) 1);
        assertThat(memory.readInt(USED + 4)).isEqualTo(3);
        assertThat(memory.readInt(USED + 8)).isEqualTo(4097);
    }

    @Test
    void nothingAvailableIsEmpty() throws Exception {
        assertThat(queue.pop()).isEmpty();
    }

    @Test
    void indicesWrapAroundAt65536() throws Exception {
        desc(0, 0x100000, 8, DESC_F_WRITE, 0);
        for (int i = 0; i < 70_000; i++) {
            publish(0);
            assertThat(queue.pop()).isPresent();
            queue.addUsed(0, 8);
        }
        assertThat(memory.readShort(USED + 2) & 0xFFFF).isEqualTo(70_000 & 0xFFFF);
        assertThat(queue.pop()).isEmpty();
    }

    @Test
    void bufferOutsideRamIsRefused() {
        desc(0, RAM - 8, 16, 0, 0); // starts in RAM, ends past it
        publish(0);
        assertRefused("is not in guest RAM");
    }

    @Test
    void bufferAtAHugeAddressIsRefused() {
        desc(0, 0xFFFF_FFFF_FFFF_F000L, 0x2000, DESC_F_WRITE, 0);
        publish(0);
        assertRefused("[0xfffffffffffff000, +0x2000) is not in guest RAM");
    }

    @Test
    void nextIndexBeyondTheQueueIsRefused() {
        desc(0, 0x100000, 16, DESC_F_NEXT, SIZE);
        publish(0);
        assertRefused("has next 16, but the queue has 16");
    }

    @Test
    void aLoopIsRefused() {
        desc(0, 0x100000, 16, DESC_F_NEXT, 1);
        desc(1, 0x100000, 16, DESC_F_NEXT, 0);
        publish(0);
        assertRefused("longer than the queue size 16");
    }

    @Test
    void aChainThroughEveryDescriptorIsAcceptedButNotOneMore() throws Exception {
        for (int i = 0; i < SIZE - 1; i++) {
            desc(i, 0x100000, 1, DESC_F_NEXT, i + 1);
        }
        desc(SIZE - 1, 0x100000, 1, 0, 0);
        publish(0);
        assertThat(queue.pop().orElseThrow().descriptors()).hasSize(SIZE);

        desc(SIZE - 1, 0x100000, 1, DESC_F_NEXT, 5); // now the 17th link goes back into the chain
        publish(0);
        assertRefused("longer than the queue size");
    }

    @Test
    void readableAfterWritableIsRefused() {
        desc(0, 0x100000, 16, DESC_F_NEXT | DESC_F_WRITE, 1);
        desc(1, 0x200000, 16, 0, 0);
        publish(0);
        assertRefused("device-readable after a device-writable");
    }

    @Test
    void availIndexJumpingPastTheQueueSizeIsRefused() {
        memory.writeShort(AVAIL + 2, (short) (SIZE + 1));
        assertRefused("available index jumped from 0 to 17");
    }

    @Test
    void headIndexBeyondTheQueueIsRefused() {
        publish(SIZE + 3);
        assertRefused("names descriptor 19");
    }

    @Test
    void ringsOutsideRamOrMisalignedAreRefusedAtCreation() {
        assertThatThrownBy(() -> SplitQueue.create(memory, 1, 256, new QueueLayout(SIZE, RAM - 16, AVAIL, USED), ALL))
                .isInstanceOf(QueueException.class).hasMessageContaining("queue 1: descriptor table");
        assertThatThrownBy(() -> SplitQueue.create(memory, 0, 256, new QueueLayout(SIZE, DESC + 8, AVAIL, USED), ALL))
                .hasMessageContaining("not 16-byte aligned");
        assertThatThrownBy(() -> SplitQueue.create(memory, 0, 256, new QueueLayout(SIZE, DESC, AVAIL + 1, USED), ALL))
                .hasMessageContaining("available ring at 0x11001 is not 2-byte aligned");
        assertThatThrownBy(() -> SplitQueue.create(memory, 0, 256, new QueueLayout(SIZE, DESC, AVAIL, USED + 2), ALL))
                .hasMessageContaining("used ring at 0x12002 is not 4-byte aligned");
        assertThatThrownBy(() -> SplitQueue.create(memory, 0, 256, new QueueLayout(SIZE, DESC, AVAIL, 3L << 30), ALL))
                .hasMessageContaining("used ring [0xc0000000, +0x86) is not in guest RAM");
    }

    @Test
    void sizesThatAreNotPowersOfTwoWithinTheMaximumAreRefused() {
        for (int size : new int[] {0, 3, 512, -2}) {
            assertThatThrownBy(() -> SplitQueue.create(memory, 0, 256, new QueueLayout(size, DESC, AVAIL, USED), ALL))
                    .hasMessageContaining("size " + size + " is not a power of two between 1 and 256");
        }
    }

    @Test
    void indirectTablesAreFlattened() throws Exception {
        long table = 0x50000;
        desc(table, 0, 0x100000, 16, DESC_F_NEXT, 2);
        desc(table, 2, 0x200000, 512, DESC_F_NEXT | DESC_F_WRITE, 1);
        desc(table, 1, 0x300000, 1, DESC_F_WRITE, 0);
        desc(4, table, 3 * 16, DESC_F_INDIRECT, 0);
        publish(4);

        DescriptorChain chain = queue.pop().orElseThrow();
        assertThat(chain.head()).isEqualTo(4);
        assertThat(chain.descriptors()).extracting(Descriptor::address).containsExactly(0x100000L, 0x200000L, 0x300000L);
        assertThat(chain.readable().length()).isEqualTo(16);
        assertThat(chain.writable().length()).isEqualTo(513);
    }

    @Test
    void indirectWithoutTheFeatureIsRefused() throws Exception {
        queue = create(VirtioDevice.VIRTIO_F_VERSION_1);
        desc(0, 0x50000, 16, DESC_F_INDIRECT, 0);
        publish(0);
        assertRefused("VIRTIO_F_INDIRECT_DESC was not negotiated");
    }

    @Test
    void malformedIndirectTablesAreRefused() {
        desc(0, 0x50000, 24, DESC_F_INDIRECT, 0); // not a multiple of 16
        publish(0);
        assertRefused("indirect table of chain at head 0 is 24 bytes");
    }

    @Test
    void indirectTableOutsideRamIsRefused() {
        desc(0, RAM - 16, 32, DESC_F_INDIRECT, 0);
        publish(0);
        assertRefused("indirect table [0x3fffff0, +0x20) of chain at head 0 is not in guest RAM");
    }

    @Test
    void misalignedIndirectTableIsRefused() {
        desc(0, 0x50008, 16, DESC_F_INDIRECT, 0);
        publish(0);
        assertRefused("indirect table at 0x50008 of chain at head 0 is not 16-byte aligned");
    }

    @Test
    void indirectTableTooLargeIsRefused() {
        desc(0, 0x50000, 16L * (SplitQueue.MAX_INDIRECT + 1), DESC_F_INDIRECT, 0);
        publish(0);
        assertRefused("not 1 to 1024 descriptors");
    }

    @Test
    void nestedIndirectIsRefused() {
        desc(0x50000, 0, 0x60000, 16, DESC_F_INDIRECT, 0);
        desc(0, 0x50000, 16, DESC_F_INDIRECT, 0);
        publish(0);
        assertRefused("holds another indirect descriptor");
    }

    @Test
    void indirectLoopIsRefused() {
        desc(0x50000, 0, 0x100000, 1, DESC_F_NEXT, 1);
        desc(0x50000, 1, 0x100000, 1, DESC_F_NEXT, 0);
        desc(0, 0x50000, 32, DESC_F_INDIRECT, 0);
        publish(0);
        assertRefused("longer than its table of 2");
    }

    @Test
    void indirectAfterOtherDescriptorsIsRefused() {
        desc(0, 0x100000, 16, DESC_F_NEXT, 1);
        desc(1, 0x50000, 16, DESC_F_INDIRECT, 0);
        publish(0);
        assertRefused("is not the chain's only descriptor");
    }

    @Test
    void noInterruptFlagSuppressesInterrupts() throws Exception {
        assertThat(queue.needsInterrupt()).isTrue();
        memory.writeShort(AVAIL, (short) SplitQueue.AVAIL_F_NO_INTERRUPT);
        assertThat(queue.needsInterrupt()).isFalse();
    }

    @Test
    void anUnreadyQueueHasNothing() throws Exception {
        SplitQueue unready = SplitQueue.unready(memory, 1);
        publish(0);
        assertThat(unready.isReady()).isFalse();
        assertThat(unready.pop()).isEqualTo(Optional.empty());
        assertThat(unready.needsInterrupt()).isFalse();
        assertThatThrownBy(() -> unready.addUsed(0, 0)).isInstanceOf(QueueException.class);
    }

    @Test
    void guestBuffersSliceAcrossDescriptors() {
        GuestBuffers b = new GuestBuffers(List.of(
                new Descriptor(0x1000, 10, false), new Descriptor(0x2000, 0, false), new Descriptor(0x3000, 10, false)));
        assertThat(b.slice(5, 10).parts()).containsExactly(
                new Descriptor(0x1005, 5, false), new Descriptor(0x3000, 5, false));
        byte[] src = "0123456789abcdefghij".getBytes();
        b.write(memory, src);
        byte[] back = new byte[7];
        b.slice(8, 7).read(memory, back);
        assertThat(new String(back)).isEqualTo("89abcde");
        assertThatThrownBy(() -> b.slice(15, 6)).isInstanceOf(IndexOutOfBoundsException.class);
    }
}
