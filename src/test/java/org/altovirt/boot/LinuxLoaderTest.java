package org.altovirt.boot;

import static org.altovirt.boot.TestImages.bzImage;
import static org.altovirt.boot.TestImages.pattern;
import static org.altovirt.boot.TestImages.setup;
import static org.altovirt.boot.TestImages.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader with a bzImage, and what every format shares: cmdline, boot_params, e820, tables. */
class LinuxLoaderTest {
    static final List<String> VIRTIO = List.of(
            "virtio_mmio.device=512@0xf0100000:5", "virtio_mmio.device=512@0xf0100200:6");
    static final long BP = 0x7000;

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

    static byte[] bytes(GuestMemory m, long gpa, int len) {
        byte[] out = new byte[len];
        m.read(gpa, out, 0, len);
        return out;
    }

    static String cString(GuestMemory m, long gpa) {
        StringBuilder sb = new StringBuilder();
        for (long a = gpa; m.readByte(a) != 0; a++) {
            sb.append((char) m.readByte(a));
        }
        return sb.toString();
    }

    private BootImage loadBz(ByteBuffer setup, byte[] kernel, Path initrd, String cmdline) throws Exception {
        Path k = write(dir, "vmlinuz", bzImage(setup, kernel));
        return LinuxLoader.load(memory, k, initrd, cmdline, VIRTIO);
    }

    @Test
    void bzImageProtectedModeKernelLoadsAtOneMegabyteAndEntersAt0x200() throws Exception {
        byte[] kernel = pattern(64 << 10, 7);
        BootImage img = loadBz(setup(), kernel, null, "console=ttyS0");

        assertThat(img.format()).isEqualTo(BootImage.Format.BZIMAGE);
        assertThat(bytes(memory, 0x10_0000, kernel.length)).isEqualTo(kernel);
        assertThat(img.cpu().rip()).isEqualTo(0x10_0200);
        assertThat(img.kernelStart()).isEqualTo(0x10_0000);
        // It decompresses into init_size bytes at pref_address, beyond the file's own end.
        assertThat(img.kernelEnd()).isEqualTo(TestImages.PREF_ADDRESS + TestImages.INIT_SIZE);
    }

    @Test
    void setupHeaderIsCopiedIntoBootParamsUpToItsEnd() throws Exception {
        ByteBuffer setup = setup();
        byte[] kernel = pattern(4096, 1);
        Path k = write(dir, "vmlinuz", bzImage(setup, kernel));
        LinuxLoader.load(memory, k, null, "", List.of());

        byte[] file = Files.readAllBytes(k);
        // Fields the loader leaves alone are the file's own.
        for (int[] field : new int[][] {{0x1F1, 0x210}, {0x212, 0x218}, {0x220, 0x228}, {0x22C, 0x238}, {0x23C, 0x26C}}) {
            assertThat(bytes(memory, BP + field[0], field[1] - field[0]))
                    .as("boot_params [0x%x, 0x%x)", field[0], field[1])
                    .isEqualTo(Arrays.copyOfRange(file, field[0], field[1]));
        }
        assertThat(memory.readInt(BP + 0x202)).isEqualTo(0x5372_6448);
        assertThat(memory.readShort(BP + 0x206)).isEqualTo((short) 0x020F);
        // The setup code after the header is not boot_params.
        assertThat(memory.readByte(BP + TestImages.HEADER_END)).isZero();
    }

    @Test
    void loaderFieldsTypeOfLoaderLoadflagsAndCommandLine() throws Exception {
        BootImage img = loadBz(setup(), pattern(4096, 1), null, "console=ttyS0 reboot=k");

        assertThat(memory.readByte(BP + 0x210)).isEqualTo((byte) 0xFF);
        assertThat(memory.readByte(BP + 0x211) & 0x01).as("LOADED_HIGH").isEqualTo(1);
        assertThat(memory.readInt(BP + 0x228)).as("cmd_line_ptr").isEqualTo(0x2_0000);
        assertThat(memory.readInt(BP + 0x238)).as("cmdline_size").isEqualTo(2047);
        String expected = "console=ttyS0 reboot=k virtio_mmio.device=512@0xf0100000:5"
                + " virtio_mmio.device=512@0xf0100200:6";
        assertThat(cString(memory, 0x2_0000)).isEqualTo(expected);
        assertThat(memory.readByte(0x2_0000 + expected.length())).isZero();
        assertThat(img.cmdline()).isEqualTo(expected);
        assertThat(memory.readInt(BP + 0x218)).as("no initrd").isZero();
        assertThat(memory.readInt(BP + 0x21C)).isZero();
    }

    @Test
    void emptyUserCommandLineGivesJustTheExtraParameters() throws Exception {
        BootImage img = loadBz(setup(), pattern(4096, 1), null, "");
        assertThat(cString(memory, 0x2_0000)).isEqualTo(String.join(" ", VIRTIO));
        assertThat(img.cmdline()).doesNotStartWith(" ");
    }

    @Test
    void commandLineLongerThanTheKernelsCmdlineSizeIsRefused() throws Exception {
        ByteBuffer s = setup();
        s.putInt(0x238, 64);
        Path k = write(dir, "vmlinuz", bzImage(s, pattern(4096, 1)));

        assertThat(LinuxLoader.load(memory, k, null, "x".repeat(64), List.of()).cmdline()).hasSize(64);
        assertThatThrownBy(() -> LinuxLoader.load(memory, k, null, "x".repeat(65), List.of()))
                .isInstanceOf(BootException.class)
                .hasMessage("kernel command line is 65 bytes; " + k + " takes at most 64");
        // The extra parameters count too.
        assertThatThrownBy(() -> LinuxLoader.load(memory, k, null, "x".repeat(30), VIRTIO))
                .hasMessageContaining("takes at most 64");
    }

    @Test
    void commandLineWithANulIsRefused() {
        assertThatThrownBy(() -> loadBz(setup(), pattern(4096, 1), null, "a\0b"))
                .isInstanceOf(BootException.class)
                .hasMessage("kernel command line contains a NUL character at position 1");
    }

    @Test
    void e820MapsBaseMemoryTheReservedAreaAndRamFromOneMegabyte() throws Exception {
        BootImage img = loadBz(setup(), pattern(4096, 1), null, "");

        assertThat(img.e820()).containsExactly(
                new E820Entry(0, 0x9_FC00, E820Entry.Type.RAM),
                new E820Entry(0x9_FC00, 0x10_0000 - 0x9_FC00, E820Entry.Type.RESERVED),
                new E820Entry(0x10_0000, (256 << 20) - 0x10_0000, E820Entry.Type.RAM));
        assertThat(memory.readByte(BP + 0x1E8)).isEqualTo((byte) 3);
        for (int i = 0; i < 3; i++) {
            long at = BP + 0x2D0 + 20L * i;
            E820Entry e = img.e820().get(i);
            assertThat(memory.readLong(at)).isEqualTo(e.address());
            assertThat(memory.readLong(at + 8)).isEqualTo(e.size());
            assertThat(memory.readInt(at + 16)).isEqualTo(e.type().code());
        }
        assertThat(memory.readLong(BP + 0x2D0 + 20 * 3)).as("nothing after the last entry").isZero();
    }

    @Test
    void e820IncludesRamAboveFourGigabytes() throws Exception {
        try (GuestMemory big = GuestMemory.anonymous((3L << 30) + (512L << 20))) {
            assertThat(LinuxLoader.e820(big)).containsExactly(
                    new E820Entry(0, 0x9_FC00, E820Entry.Type.RAM),
                    new E820Entry(0x9_FC00, 0x6_0400, E820Entry.Type.RESERVED),
                    new E820Entry(0x10_0000, (3L << 30) - 0x10_0000, E820Entry.Type.RAM),
                    new E820Entry(4L << 30, 512L << 20, E820Entry.Type.RAM));
        }
    }

    @Test
    void gdtIdtAndPageTablesAreWhereTheCpuStateSays() throws Exception {
        BootImage img = loadBz(setup(), pattern(4096, 1), null, "");
        BootCpuState cpu = img.cpu();

        assertThat(memory.readLong(0x500)).isZero();
        assertThat(memory.readLong(0x508)).isZero();
        assertThat(memory.readLong(0x510)).isEqualTo(0x00AF_9B00_0000_FFFFL);
        assertThat(memory.readLong(0x518)).isEqualTo(0x00CF_9300_0000_FFFFL);
        assertThat(memory.readLong(0x520)).as("empty IDT").isZero();
        assertThat(cpu.gdtBase()).isEqualTo(0x500);
        assertThat(cpu.gdtLimit()).isEqualTo(4 * 8 - 1);
        assertThat(cpu.idtBase()).isEqualTo(0x520);
        assertThat(cpu.idtLimit()).isEqualTo(7);

        assertThat(cpu.cr3()).isEqualTo(0x9000);
        assertThat(memory.readLong(0x9000)).isEqualTo(0xA003);
        assertThat(memory.readLong(0x9008)).as("only the first 512 GiB slot").isZero();
        assertThat(memory.readLong(0xA000)).isEqualTo(0xB003);
        assertThat(memory.readLong(0xA008)).as("only the first GiB").isZero();
        for (long i = 0; i < 512; i++) {
            assertThat(memory.readLong(0xB000 + 8 * i)).as("PD[%d]", i).isEqualTo((i << 21) | 0x83);
        }
    }

    @Test
    void cpuStateIsLongModeWithFlatSegmentsFromTheGdt() throws Exception {
        BootCpuState cpu = loadBz(setup(), pattern(4096, 1), null, "").cpu();

        assertThat(cpu.rsi()).isEqualTo(0x7000);
        assertThat(cpu.rsp()).isEqualTo(0x8FF0);
        assertThat(cpu.rbp()).isEqualTo(0x8FF0);
        assertThat(cpu.rflags()).isEqualTo(0x2);
        assertThat(cpu.cr0()).isEqualTo(0x8000_0011L);
        assertThat(cpu.cr4()).isEqualTo(0x20);
        assertThat(cpu.efer()).isEqualTo(0x500);
        assertThat(cpu.code()).isEqualTo(new BootCpuState.Segment(
                0x10, 0, 0xFFFF_FFFFL, 11, true, 0, false, true, true, true, false));
        assertThat(cpu.data()).isEqualTo(new BootCpuState.Segment(
                0x18, 0, 0xFFFF_FFFFL, 3, true, 0, true, true, false, true, false));
        // The segments are what the GDT in guest memory says for their selectors.
        assertThat(LongMode.decode(0x10, memory.readLong(cpu.gdtBase() + cpu.code().selector())))
                .isEqualTo(cpu.code());
        assertThat(LongMode.decode(0x18, memory.readLong(cpu.gdtBase() + cpu.data().selector())))
                .isEqualTo(cpu.data());
    }

    @Test
    void segmentDecodingReassemblesBaseAndLimitFromTheirPieces() {
        // base 0x12345678, limit 0xABCDE, access 0xF2 (present, dpl 3, s, data rw), flags G=0, AVL=1.
        long d = 0x12L << 56 | 0x1AL << 48 | 0xF2L << 40 | 0x34L << 32 | 0x5678L << 16 | 0xBCDEL;
        assertThat(LongMode.decode(0x2B, d)).isEqualTo(new BootCpuState.Segment(
                0x2B, 0x1234_5678L, 0xA_BCDEL, 2, true, 3, false, true, false, false, true));
    }

    @Test
    void initrdIsPageAlignedAtTheTopOfLowRam() throws Exception {
        byte[] initrd = pattern(10_000, 3);
        Path rd = write(dir, "initrd.img", initrd);
        BootImage img = loadBz(setup(), pattern(4096, 1), rd, "");

        long top = 256L << 20;
        assertThat(img.initrdAddress() % 4096).isZero();
        assertThat(img.initrdAddress()).isEqualTo((top - initrd.length) & -4096L);
        assertThat(img.initrdAddress() + img.initrdSize()).isLessThanOrEqualTo(top);
        assertThat(img.initrdSize()).isEqualTo(initrd.length);
        assertThat(bytes(memory, img.initrdAddress(), initrd.length)).isEqualTo(initrd);
        assertThat(Integer.toUnsignedLong(memory.readInt(BP + 0x218))).isEqualTo(img.initrdAddress());
        assertThat(memory.readInt(BP + 0x21C)).isEqualTo(initrd.length);
    }

    @Test
    void initrdStaysBelowTheKernelsInitrdAddrMax() throws Exception {
        ByteBuffer s = setup();
        s.putInt(0x22C, 0x3FF_FFFF); // 64 MiB - 1
        Path rd = write(dir, "initrd.img", pattern(5000, 3));
        BootImage img = loadBz(s, pattern(4096, 1), rd, "");
        assertThat(img.initrdAddress()).isEqualTo((0x400_0000L - 5000) & -4096L);
    }

    @Test
    void initrdThatDoesNotFitAboveTheKernelIsRefused() throws Exception {
        Path rd = dir.resolve("huge.img");
        try (RandomAccessFile f = new RandomAccessFile(rd.toFile(), "rw")) {
            f.setLength(250L << 20); // sparse: 256 MiB RAM less the kernel's 24 MiB footprint
        }
        assertThatThrownBy(() -> loadBz(setup(), pattern(4096, 1), rd, ""))
                .isInstanceOf(BootException.class)
                .hasMessage(rd + ": initrd of 262144000 bytes does not fit in guest RAM: it must lie between"
                        + " the kernel's end 0x1800000 and 0x10000000, which leaves 243269632 bytes");
    }

    @Test
    void emptyOrMissingInitrdIsRefused() throws Exception {
        Path empty = write(dir, "empty.img", new byte[0]);
        assertThatThrownBy(() -> loadBz(setup(), pattern(4096, 1), empty, ""))
                .hasMessage(empty + ": initrd is empty");
        Path missing = dir.resolve("missing.img");
        assertThatThrownBy(() -> loadBz(setup(), pattern(4096, 1), missing, ""))
                .hasMessage(missing + ": no such file");
    }

    @Test
    void oldBootProtocolIsRefused() {
        ByteBuffer s = setup();
        s.putShort(0x206, (short) 0x020A);
        assertThatThrownBy(() -> loadBz(s, pattern(4096, 1), null, ""))
                .isInstanceOf(BootException.class)
                .hasMessage(dir.resolve("vmlinuz") + ": boot protocol 2.10 is too old; 2.12 or later is needed");
    }

    @Test
    void kernelWithoutA64BitEntryIsRefused() {
        ByteBuffer s = setup();
        s.putShort(0x236, (short) 0x7E);
        assertThatThrownBy(() -> loadBz(s, pattern(4096, 1), null, ""))
                .hasMessage(dir.resolve("vmlinuz") + ": not a 64-bit kernel (XLF_KERNEL_64 not set)");
    }

    @Test
    void bootSectorWithoutHdrSIsRefused() {
        ByteBuffer s = setup();
        s.putInt(0x202, 0x1234_5678);
        assertThatThrownBy(() -> loadBz(s, pattern(4096, 1), null, ""))
                .hasMessageStartingWith(dir.resolve("vmlinuz") + ": has a boot sector (0xAA55 at 0x1FE) but no \"HdrS\"");
    }

    @Test
    void setupHeaderWithAnImpossibleLengthIsRefused() {
        ByteBuffer s = setup();
        s.put(0x201, (byte) 0xF0); // would run past boot_params' header area
        assertThatThrownBy(() -> loadBz(s, pattern(4096, 1), null, ""))
                .hasMessageContaining("setup header has an invalid length");
    }

    @Test
    void truncatedBzImageIsRefused() throws Exception {
        byte[] full = bzImage(setup(), pattern(64 << 10, 1));
        Path cut = write(dir, "vmlinuz", Arrays.copyOf(full, full.length - 100));
        assertThatThrownBy(() -> LinuxLoader.load(memory, cut, null, "", List.of()))
                .hasMessage(cut + ": file is truncated: the protected-mode kernel (setup_sects 4, syssize 65536 bytes)"
                        + " needs bytes [0xa00, 0x10a00) but the file has 67996 bytes");
        Path header = write(dir, "short", Arrays.copyOf(full, 0x250));
        assertThatThrownBy(() -> LinuxLoader.load(memory, header, null, "", List.of()))
                .hasMessageStartingWith(header + ": file is truncated: the setup header");
    }

    @Test
    void kernelThatNeedsMoreRamThanTheGuestHasIsRefused() {
        ByteBuffer s = setup();
        s.putInt(0x260, 300 << 20);
        assertThatThrownBy(() -> loadBz(s, pattern(4096, 1), null, ""))
                .hasMessageContaining("the kernel needs [0x1000000, +0x12c00000) to decompress into");
    }

    @Test
    void missingKernelOrDirectoryIsRefused() {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> LinuxLoader.load(memory, missing, null, "", List.of()))
                .hasMessage(missing + ": no such file");
        assertThatThrownBy(() -> LinuxLoader.load(memory, dir, null, "", List.of()))
                .hasMessage(dir + ": is a directory, not a file");
    }

    @Test
    void guestWithLessThanOneMegabyteIsRefused() throws Exception {
        Path k = write(dir, "vmlinuz", bzImage(setup(), pattern(4096, 1)));
        try (GuestMemory tiny = GuestMemory.anonymous(512 << 10)) {
            assertThatThrownBy(() -> LinuxLoader.load(tiny, k, null, "", List.of()))
                    .hasMessageContaining("must cover the first MiB");
        }
    }

    @Test
    void reloadingReplacesTheOldCommandLineAndBootParams() throws Exception {
        Path rd = write(dir, "initrd.img", pattern(5000, 3));
        loadBz(setup(), pattern(4096, 1), rd, "a-much-longer-first-command-line");
        LinuxLoader.load(memory, dir.resolve("vmlinuz"), null, "short", List.of());
        assertThat(cString(memory, 0x2_0000)).isEqualTo("short");
        assertThat(memory.readInt(BP + 0x21C)).as("no initrd this time").isZero();
    }

    @Test
    void utf8CommandLineIsMeasuredInBytes() throws Exception {
        ByteBuffer s = setup();
        s.putInt(0x238, 4);
        Path k = write(dir, "vmlinuz", bzImage(s, pattern(4096, 1)));
        LinuxLoader.load(memory, k, null, "x=é", List.of());
        assertThat(bytes(memory, 0x2_0000, 5)).isEqualTo("x=é\0".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> LinuxLoader.load(memory, k, null, "x=éé", List.of()))
                .hasMessageStartingWith("kernel command line is 6 bytes;");
    }
}
