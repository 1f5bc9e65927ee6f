package org.altovirt.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BusTest {
    /** Answers its tag plus the offset and records writes, so a test sees which device got what. */
    private static final class Probe implements BusDevice {
        final long tag;
        final List<String> writes = new ArrayList<>();

        Probe(long tag) {
            this.tag = tag;
        }

        @Override
        public long read(long offset, int size) {
            return tag + offset;
        }

        @Override
        public void write(long offset, int size, long value) {
            writes.add(offset + "/" + size + "=" + Long.toHexString(value));
        }
    }

    @Test
    void accessesAtTheEdgesOfAWindowHitTheRightDevice() {
        Bus bus = new Bus("pio");
        Probe uart = new Probe(0x1000);
        Probe next = new Probe(0x2000);
        bus.insert(0x3F8, 8, uart);
        bus.insert(0x400, 4, next);

        assertThat(bus.read(0x3F8, 1)).as("first byte").isEqualTo(0x1000);
        assertThat(bus.read(0x3FF, 1)).as("last byte").isEqualTo(0x1007);
        assertThat(bus.read(0x400, 1)).as("adjacent window").isEqualTo(0x2000);
        assertThat(bus.read(0x3F7, 1)).as("just below").isEqualTo(0xFF);
        assertThat(bus.read(0x404, 1)).as("just above").isEqualTo(0xFF);
        assertThat(bus.find(0x3FF)).get().extracting(Bus.Mapping::device).isSameAs(uart);
        assertThat(bus.find(0x3F7)).isEmpty();

        bus.write(0x3FB, 1, 0x83);
        assertThat(uart.writes).containsExactly("3/1=83");
        assertThat(next.writes).isEmpty();
    }

    @Test
    void unmappedReadsAreAllOnesOfTheAccessWidth() {
        Bus bus = new Bus("mmio");
        bus.insert(0x1000, 0x10, new Probe(0));
        assertThat(bus.read(0xF000_0000L, 1)).isEqualTo(0xFFL);
        assertThat(bus.read(0xF000_0000L, 2)).isEqualTo(0xFFFFL);
        assertThat(bus.read(0xF000_0000L, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(bus.read(0xF000_0000L, 8)).isEqualTo(-1L);
    }

    @Test
    void overlappingWindowsAreRefusedWithBothRangesNamed() {
        Bus bus = new Bus("mmio");
        bus.insert(0x1000, 0x200, new Probe(0));
        assertThatThrownBy(() -> bus.insert(0x11FF, 0x10, new Probe(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mmio: [0x11ff, 0x120f) overlaps [0x1000, 0x1200)");
        assertThatThrownBy(() -> bus.insert(0xF00, 0x101, new Probe(1)))
                .hasMessageContaining("overlaps [0x1000, 0x1200)");
        assertThatThrownBy(() -> bus.insert(0x2000, 0, new Probe(1))).hasMessageContaining("bad window");
        bus.insert(0x1200, 0x10, new Probe(2)); // touching is not overlapping
        assertThat(bus.read(0x1200, 1)).isEqualTo(2);
        assertThat(bus.read(0x11FF, 1)).as("the first window is unchanged").isEqualTo(0x1FF);
    }

    @Test
    void windowsHighInTheAddressSpaceAreFoundAsUnsigned() {
        Bus bus = new Bus("mmio");
        bus.insert(0x1000, 0x10, new Probe(0x10));
        bus.insert(0xFEE0_0000L, 0x1000, new Probe(0x20));
        bus.insert(0x8000_0000_0000_0000L, 0x10, new Probe(0x30));
        assertThat(bus.read(0x1000, 1)).isEqualTo(0x10);
        assertThat(bus.read(0xFEE0_0FFFL, 1)).isEqualTo(0x20 + 0xFFF);
        assertThat(bus.read(0x8000_0000_0000_000FL, 1)).isEqualTo(0x30 + 0xF);
    }

    @Test
    void removeUnmapsOnlyTheWindowAtThatBase() {
        Bus bus = new Bus("mmio");
        bus.insert(0xF010_0000L, 0x200, new Probe(0x100));
        bus.insert(0xF010_0200L, 0x200, new Probe(0x200));

        assertThat(bus.remove(0xF010_0010L)).as("not a base").isFalse();
        assertThat(bus.remove(0xF010_0000L)).isTrue();
        assertThat(bus.read(0xF010_0000L, 4)).isEqualTo(0xFFFF_FFFFL);
        assertThat(bus.read(0xF010_0200L, 1)).isEqualTo(0x200);
        assertThat(bus.remove(0xF010_0000L)).as("already gone").isFalse();

        bus.insert(0xF010_0000L, 0x200, new Probe(0x300)); // the slot can be reused
        assertThat(bus.read(0xF010_0000L, 1)).isEqualTo(0x300);
    }
}
