package org.altovirt.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {
    private static final long MIB = 1 << 20;
    private GuestMemory memory;

    @AfterEach
    void unmap() {
        if (memory != null) {
            memory.close();
        }
    }

    @Test
    void valuesAreLittleEndianAndReadBackWhatWasWritten() throws Exception {
        memory = GuestMemory.anonymous(128 * MIB);
        memory.writeLong(0x1000, 0x1122334455667788L);
        assertThat(memory.readByte(0x1000)).isEqualTo((byte) 0x88);
        assertThat(memory.readShort(0x1006)).isEqualTo((short) 0x1122);
        assertThat(memory.readInt(0x1000)).isEqualTo(0x55667788);
        byte[] out = new byte[3];
        memory.read(0x1001, out, 0, 3);
        assertThat(out).containsExactly(0x77, 0x66, 0x55);
    }

    @Test
    void everyAccessPastTheEndIsRefused() throws Exception {
        memory = GuestMemory.anonymous(128 * MIB);
        long end = 128 * MIB;
        memory.writeByte(end - 1, (byte) 1);
        assertThatThrownBy(() -> memory.readByte(end)).isInstanceOf(GuestMemoryException.class)
                .hasMessageContaining("0x8000000");
        assertThatThrownBy(() -> memory.readLong(end - 4)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> memory.write(end - 2, new byte[4], 0, 4)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> memory.readInt(-4)).isInstanceOf(GuestMemoryException.class);
        assertThatThrownBy(() -> memory.hostAddress(0, Long.MAX_VALUE)).isInstanceOf(GuestMemoryException.class);
        assertThat(memory.contains(end - 8, 8)).isTrue();
        assertThat(memory.contains(end - 8, 9)).isFalse();
        assertThat(memory.contains(Long.MAX_VALUE - 2, 8)).isFalse();
    }

    @Test
    void ramBeyondThreeGibLivesAboveFourGibAndTheHoleIsNotRam() throws Exception {
        memory = GuestMemory.anonymous(4L << 30);
        assertThat(memory.regions()).extracting(GuestMemory.Region::guestAddress, GuestMemory.Region::size)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0L, 3L << 30),
                        org.assertj.core.groups.Tuple.tuple(4L << 30, 1L << 30));
        assertThat(memory.size()).isEqualTo(4L << 30);
        memory.writeInt((4L << 30) + 16, 42);
        assertThat(memory.readInt((4L << 30) + 16)).isEqualTo(42);
        assertThatThrownBy(() -> memory.readByte(MemoryLayout.VIRTIO_MMIO_BASE)).isInstanceOf(GuestMemoryException.class);
        assertThat(memory.contains((3L << 30) - 4, 8)).as("a range across the hole").isFalse();
    }

    @Test
    void discardedPagesReadAsZero() throws Exception {
        memory = GuestMemory.anonymous(128 * MIB);
        memory.writeLong(0x200000, -1L);
        memory.discard(0x200000, 4096);
        assertThat(memory.readLong(0x200000)).isZero();
    }

    @Test
    void aMemoryFileMappedOverTheRamIsReadCopyOnWriteAndHolesReadAsZeros(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        long size = 4L << 20;
        java.nio.file.Path file = dir.resolve("memory");
        try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            out.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 0x1000);
            out.write(java.nio.ByteBuffer.allocate(1), size - 1); // the rest: a hole
        }
        try (GuestMemory m = GuestMemory.anonymous(size)) {
            m.writeLong(0x2000, 0x1122334455667788L); // what the loader wrote: replaced
            m.mapPrivate(file);
            assertThat(m.readInt(0x1000)).as("the file's bytes").isEqualTo(0x04030201);
            assertThat(m.readLong(0x2000)).as("a hole reads as zeros").isZero();
            m.writeInt(0x1000, 42);
            assertThat(m.readInt(0x1000)).isEqualTo(42);
        }
        byte[] after = java.nio.file.Files.readAllBytes(file);
        assertThat(after[0x1000]).as("the guest's writes stay out of the file").isEqualTo((byte) 1);
    }
}
