package org.altovirt.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reads the MP table back the way Linux's mpparse.c finds and checks it. */
class MpTableTest {
    GuestMemory memory;

    @BeforeEach
    void map() throws Exception {
        memory = GuestMemory.anonymous(256 << 20);
    }

    @AfterEach
    void unmap() {
        memory.close();
    }

    /** Linux scans the last KiB of base memory (639 KiB) on 16-byte boundaries for "_MP_". */
    private long findFloatingPointer() {
        for (long a = 639 * 0x400; a < 640 * 0x400; a += 16) {
            if (ascii(a, 4).equals("_MP_")) {
                return a;
            }
        }
        throw new AssertionError("no _MP_ in the last KiB of base memory");
    }

    private String ascii(long gpa, int len) {
        return new String(LinuxLoaderTest.bytes(memory, gpa, len), StandardCharsets.US_ASCII);
    }

    private int sum(long gpa, int len) {
        int s = 0;
        for (byte b : LinuxLoaderTest.bytes(memory, gpa, len)) {
            s += b & 0xFF;
        }
        return s & 0xFF;
    }

    private int u8(long gpa) {
        return memory.readByte(gpa) & 0xFF;
    }

    private int u16(long gpa) {
        return memory.readShort(gpa) & 0xFFFF;
    }

    record Entry(int type, long address) {}

    private List<Entry> entries(long config) {
        List<Entry> out = new ArrayList<>();
        long end = config + u16(config + 4);
        for (long a = config + 44; a < end; a += u8(a) == 0 ? 20 : 8) {
            out.add(new Entry(u8(a), a));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} vCPUs")
    @ValueSource(ints = {1, 2, 4, 254})
    void tablesAreWellFormedAndChecksummed(int cpus) throws Exception {
        MpTable.write(memory, cpus);
        long mpf = findFloatingPointer();

        assertThat(mpf).isEqualTo(0x9_FC00);
        assertThat(sum(mpf, 16)).as("floating pointer checksum").isZero();
        assertThat(u8(mpf + 8)).as("length in 16-byte units").isEqualTo(1);
        assertThat(u8(mpf + 9)).as("spec rev 1.4").isEqualTo(4);
        assertThat(u8(mpf + 11)).as("a configuration table follows").isZero();
        long config = Integer.toUnsignedLong(memory.readInt(mpf + 4));

        assertThat(ascii(config, 4)).isEqualTo("PCMP");
        int length = u16(config + 4);
        assertThat(sum(config, length)).as("configuration table checksum").isZero();
        assertThat(u8(config + 6)).isEqualTo(4);
        assertThat(memory.readInt(config + 0x24)).isEqualTo(0xFEE0_0000);
        assertThat(u16(config + 0x28)).as("no extended table").isZero();
        List<Entry> entries = entries(config);
        assertThat(entries).hasSize(u16(config + 0x22)).hasSize(cpus + 1 + 1 + 24 + 2);
        assertThat(entries.get(entries.size() - 1).address() + 8).as("entries fill the table exactly")
                .isEqualTo(config + length);
        assertThat(config + length).as("inside the e820-reserved area").isLessThanOrEqualTo(0x10_0000);
    }

    @ParameterizedTest(name = "{0} vCPUs")
    @ValueSource(ints = {1, 3, 64})
    void oneProcessorPerVcpuAndOnlyTheFirstIsTheBootstrapProcessor(int cpus) throws Exception {
        MpTable.write(memory, cpus);
        List<Entry> processors = entries(0x9_FC10).stream().filter(e -> e.type() == 0).toList();

        assertThat(processors).hasSize(cpus);
        for (int i = 0; i < cpus; i++) {
            long a = processors.get(i).address();
            assertThat(u8(a + 1)).as("APIC id").isEqualTo(i);
            assertThat(u8(a + 3) & 1).as("enabled").isEqualTo(1);
            assertThat(u8(a + 3) & 2).as("BSP flag of CPU %d", i).isEqualTo(i == 0 ? 2 : 0);
            assertThat(memory.readInt(a + 8) & (1 << 9)).as("APIC feature").isNotZero();
        }
    }

    @Test
    void busIoApicAndInterruptRouting() throws Exception {
        MpTable.write(memory, 2);
        List<Entry> entries = entries(0x9_FC10);

        Entry bus = entries.stream().filter(e -> e.type() == 1).findFirst().orElseThrow();
        assertThat(ascii(bus.address() + 2, 6)).isEqualTo("ISA   ");
        int busId = u8(bus.address() + 1);

        Entry ioapic = entries.stream().filter(e -> e.type() == 2).findFirst().orElseThrow();
        assertThat(u8(ioapic.address() + 1)).as("I/O APIC id").isEqualTo(2);
        assertThat(u8(ioapic.address() + 2)).isEqualTo(0x11);
        assertThat(u8(ioapic.address() + 3) & 1).as("enabled").isEqualTo(1);
        assertThat(memory.readInt(ioapic.address() + 4)).isEqualTo(0xFEC0_0000);

        List<Entry> irqs = entries.stream().filter(e -> e.type() == 3).toList();
        assertThat(irqs).hasSize(24);
        for (int i = 0; i < 24; i++) {
            long a = irqs.get(i).address();
            assertThat(u8(a + 1)).as("INT").isZero();
            assertThat(u8(a + 4)).isEqualTo(busId);
            assertThat(u8(a + 5)).as("ISA IRQ").isEqualTo(i);
            assertThat(u8(a + 6)).isEqualTo(2);
            assertThat(u8(a + 7)).as("I/O APIC pin").isEqualTo(i);
        }

        List<Entry> local = entries.stream().filter(e -> e.type() == 4).toList();
        assertThat(local).hasSize(2);
        assertThat(u8(local.get(0).address() + 1)).as("ExtINT").isEqualTo(3);
        assertThat(u8(local.get(0).address() + 7)).as("LINT0").isEqualTo(0);
        assertThat(u8(local.get(1).address() + 1)).as("NMI").isEqualTo(1);
        assertThat(u8(local.get(1).address() + 7)).as("LINT1").isEqualTo(1);
    }

    @Test
    void tableLiesInTheReservedAreaOfTheE820MapAndSurvivesTheLoader(@TempDir Path dir) throws Exception {
        MpTable.write(memory, 4);
        byte[] before = LinuxLoaderTest.bytes(memory, MpTable.ADDRESS, MpTable.size(4));
        Path k = TestImages.write(dir, "vmlinuz", TestImages.bzImage(TestImages.setup(), TestImages.pattern(4096, 1)));
        BootImage img = LinuxLoader.load(memory, k, null, "", List.of());

        assertThat(LinuxLoaderTest.bytes(memory, MpTable.ADDRESS, before.length)).isEqualTo(before);
        assertThat(img.e820()).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo(E820Entry.Type.RESERVED);
            assertThat(e.address()).isLessThanOrEqualTo(MpTable.ADDRESS);
            assertThat(e.end()).isGreaterThanOrEqualTo(MpTable.ADDRESS + before.length);
        });
    }

    @Test
    void vcpuCountOutsideOneTo254IsRefused() {
        assertThatThrownBy(() -> MpTable.write(memory, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MpTable.write(memory, 255))
                .hasMessage("MP table for 255 vCPUs: between 1 and 254 are possible");
    }
}
