package org.altovirt.boot;

import static org.altovirt.boot.LinuxLoaderTest.BP;
import static org.altovirt.boot.LinuxLoaderTest.VIRTIO;
import static org.altovirt.boot.LinuxLoaderTest.bytes;
import static org.altovirt.boot.LinuxLoaderTest.cString;
import static org.altovirt.boot.TestImages.elf;
import static org.altovirt.boot.TestImages.pattern;
import static org.altovirt.boot.TestImages.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.altovirt.boot.TestImages.Phdr;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfAndRawKernelTest {
    static final long VIRT = 0xFFFF_FFFF_8000_0000L;
    static final int PT_NOTE = 4;
    /** text+data at 16 MiB, and a second segment whose last 0x4000 bytes are bss. */
    static final Phdr TEXT = new Phdr(1, 0x1000, VIRT + 0x100_0000, 0x100_0000, 0x3000, 0x3000);
    static final Phdr DATA = new Phdr(1, 0x4000, VIRT + 0x120_0000, 0x120_0000, 0x1000, 0x5000);
    static final Phdr NOTE = new Phdr(PT_NOTE, 0x5000, 0, 0, 0x10, 0x10);

    @TempDir
    Path dir;
    GuestMemory memory;

    @BeforeEach
    void map() throws Exception {
        memory = GuestMemory.anonymous(256 << 20);
    }

    @AfterEach
    void unmap() {
        memory.close();
    }

    private BootImage load(ByteBuffer image) throws BootException, java.io.IOException {
        return LinuxLoader.load(memory, write(dir, "vmlinux", image.array()), null, "console=ttyS0", VIRTIO);
    }

    @Test
    void elfSegmentsLoadAtTheirPhysicalAddressesAndBssIsZeroed() throws Exception {
        memory.write(0x120_0000, filled(0x5000), 0, 0x5000); // stale bytes where the bss goes
        ByteBuffer image = elf(0x100_0000, TEXT, NOTE, DATA);
        BootImage img = load(image);

        assertThat(img.format()).isEqualTo(BootImage.Format.ELF);
        assertThat(bytes(memory, 0x100_0000, 0x3000)).isEqualTo(Arrays.copyOfRange(image.array(), 0x1000, 0x4000));
        assertThat(bytes(memory, 0x120_0000, 0x1000)).isEqualTo(Arrays.copyOfRange(image.array(), 0x4000, 0x5000));
        assertThat(bytes(memory, 0x120_1000, 0x4000)).as("bss").isEqualTo(new byte[0x4000]);
        assertThat(img.kernelStart()).isEqualTo(0x100_0000);
        assertThat(img.kernelEnd()).isEqualTo(0x120_5000);
        assertThat(img.cpu().rip()).isEqualTo(0x100_0000);
    }

    @Test
    void linuxsPhysicalEntryIsUsedAsIs() throws Exception {
        assertThat(load(elf(0x100_0040, TEXT, DATA)).cpu().rip()).isEqualTo(0x100_0040);
    }

    @Test
    void aVirtualEntryIsTranslatedThroughItsSegment() throws Exception {
        assertThat(load(elf(VIRT + 0x120_0010, TEXT, DATA)).cpu().rip()).isEqualTo(0x120_0010);
    }

    @Test
    void entryOutsideEverySegmentIsRefused() {
        assertThatThrownBy(() -> load(elf(0x200_0000, TEXT, DATA)))
                .hasMessage(dir.resolve("vmlinux") + ": ELF entry point 0x2000000 is in none of its PT_LOAD segments");
    }

    @Test
    void elfBootParamsHaveTheMagicNumbersAndTheDefaultCmdlineSize() throws Exception {
        BootImage img = load(elf(0x100_0000, TEXT, DATA));
        assertThat(memory.readShort(BP + 0x1FE)).isEqualTo((short) 0xAA55);
        assertThat(memory.readInt(BP + 0x202)).isEqualTo(0x5372_6448);
        assertThat(memory.readByte(BP + 0x210)).isEqualTo((byte) 0xFF);
        assertThat(memory.readInt(BP + 0x228)).isEqualTo(0x2_0000);
        assertThat(memory.readInt(BP + 0x238)).isEqualTo(2047);
        assertThat(cString(memory, 0x2_0000)).isEqualTo(img.cmdline()).endsWith(VIRTIO.get(1));
    }

    @Test
    void elfCommandLineIsLimitedToTheKernelsCommandLineSize() throws Exception {
        Path k = write(dir, "vmlinux", elf(0x100_0000, TEXT, DATA).array());
        assertThat(LinuxLoader.load(memory, k, null, "y".repeat(2047), List.of()).cmdline()).hasSize(2047);
        assertThatThrownBy(() -> LinuxLoader.load(memory, k, null, "y".repeat(2048), List.of()))
                .hasMessage("kernel command line is 2048 bytes; " + k + " takes at most 2047");
    }

    @Test
    void elfInitrdGoesBelowTheDefaultInitrdAddrMax() throws Exception {
        try (GuestMemory big = GuestMemory.anonymous(1L << 30)) {
            Path k = write(dir, "vmlinux", elf(0x100_0000, TEXT, DATA).array());
            Path rd = write(dir, "initrd", pattern(8192, 9));
            BootImage img = LinuxLoader.load(big, k, rd, "", List.of());
            assertThat(img.initrdAddress()).isEqualTo(0x3800_0000L - 8192);
            assertThat(bytes(big, img.initrdAddress(), 8192)).isEqualTo(pattern(8192, 9));
        }
    }

    @Test
    void elf32IsRefused() {
        ByteBuffer image = elf(0x100_0000, TEXT);
        image.put(4, (byte) 1);
        assertThatThrownBy(() -> load(image))
                .isInstanceOf(BootException.class)
                .hasMessage(dir.resolve("vmlinux") + ": not a 64-bit ELF (ELF class 1); an x86-64 vmlinux is needed");
    }

    @Test
    void wrongMachineIsRefused() {
        ByteBuffer image = elf(0x100_0000, TEXT);
        image.putShort(0x12, (short) 183); // aarch64
        assertThatThrownBy(() -> load(image)).hasMessageEndingWith(": ELF machine 183 is not x86-64 (62)");
    }

    @Test
    void sharedObjectIsRefused() {
        ByteBuffer image = elf(0x100_0000, TEXT);
        image.putShort(0x10, (short) 3);
        assertThatThrownBy(() -> load(image)).hasMessageEndingWith(": ELF type 3 is not an executable (ET_EXEC 2)");
    }

    @Test
    void elfWithoutLoadSegmentsIsRefused() {
        assertThatThrownBy(() -> load(elf(0, NOTE)))
                .hasMessageEndingWith(": ELF has no PT_LOAD segment: nothing to load");
    }

    @Test
    void segmentOutsideRamIsRefused() {
        Phdr high = new Phdr(1, 0x1000, VIRT + 0x2000_0000L, 0x2000_0000L, 0x100, 0x100);
        assertThatThrownBy(() -> load(elf(0x2000_0000L, high)))
                .hasMessageStartingWith(dir.resolve("vmlinux")
                        + ": ELF segment 0 [0x20000000, 0x20000100) does not fit in guest RAM");
        Phdr wrapping = new Phdr(1, 0x1000, 0, -0x1000L, 0x100, 0x2000);
        assertThatThrownBy(() -> load(elf(0x100_0000, TEXT, wrapping)))
                .hasMessageContaining("ELF segment 1 [0xfffffffffffff000,");
    }

    @Test
    void segmentOverTheLoadersBootStructuresIsRefused() {
        Phdr low = new Phdr(1, 0x1000, 0x7000, 0x7000, 0x100, 0x100);
        assertThatThrownBy(() -> load(elf(0x7000, low)))
                .hasMessageContaining("ELF segment 0 at 0x7000 is below 1 MiB");
    }

    @Test
    void truncatedElfIsRefused() throws Exception {
        byte[] full = elf(0x100_0000, TEXT, DATA).array();
        Path cut = write(dir, "vmlinux", Arrays.copyOf(full, 0x4800));
        assertThatThrownBy(() -> LinuxLoader.load(memory, cut, null, "", List.of()))
                .hasMessage(cut + ": file is truncated: ELF segment 1 needs bytes [0x4000, 0x5000)"
                        + " but the file has 18432 bytes");
        Path headers = write(dir, "vmlinux2", Arrays.copyOf(full, 0x50));
        assertThatThrownBy(() -> LinuxLoader.load(memory, headers, null, "", List.of()))
                .hasMessageStartingWith(headers + ": file is truncated: the ELF program headers");
    }

    @Test
    void segmentWithMoreFileBytesThanMemoryIsRefused() {
        Phdr bad = new Phdr(1, 0x1000, VIRT, 0x100_0000, 0x2000, 0x1000);
        assertThatThrownBy(() -> load(elf(0x100_0000, bad)))
                .hasMessageEndingWith(": ELF segment 0 has more file bytes (0x2000) than memory (0x1000)");
    }

    @Test
    void rawKernelLoadsAtSixteenMegabytesAndIsEnteredThere() throws Exception {
        byte[] blob = pattern(12_345, 5);
        Path k = write(dir, "vmlinux.bin", blob);
        BootImage img = LinuxLoader.load(memory, k, null, "", VIRTIO);

        assertThat(img.format()).isEqualTo(BootImage.Format.RAW);
        assertThat(bytes(memory, 0x100_0000, blob.length)).isEqualTo(blob);
        assertThat(img.cpu().rip()).isEqualTo(0x100_0000);
        assertThat(img.kernelEnd()).isEqualTo(0x100_0000 + blob.length);
        assertThat(memory.readShort(BP + 0x1FE)).isEqualTo((short) 0xAA55);
        assertThat(memory.readInt(BP + 0x238)).isEqualTo(2047);
    }

    @Test
    void emptyOrOversizedRawKernelIsRefused() throws Exception {
        Path empty = write(dir, "empty.bin", new byte[0]);
        assertThatThrownBy(() -> LinuxLoader.load(memory, empty, null, "", List.of()))
                .hasMessage(empty + ": file is empty");
        try (GuestMemory small = GuestMemory.anonymous(16 << 20)) {
            Path k = write(dir, "vmlinux.bin", pattern(100, 1));
            assertThatThrownBy(() -> LinuxLoader.load(small, k, null, "", List.of()))
                    .hasMessageStartingWith(k + ": the kernel [0x1000000, 0x1000064) does not fit in guest RAM");
        }
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0xFF);
        return b;
    }
}
