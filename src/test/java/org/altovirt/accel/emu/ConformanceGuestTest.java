package org.altovirt.accel.emu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.altovirt.accel.VcpuExit;
import org.altovirt.bus.BusDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance guest (guest-images/conformance-guest, built here with its Makefile) boots on
 * the emu through its 64-bit entry, as the Linux loader would start it, and answers on its serial
 * console: the banner, {@code ready}, the prompt, and the {@code info} command. The UART is a
 * stand-in that always has room to send and hands over queued input; the machine's real 8250
 * lives in the devices package. Skipped when the guest's sources or make/gcc are missing.
 */
class ConformanceGuestTest {
    private static final long KERNEL = 0x100000;
    private static final long ZERO_PAGE = 0x7000;
    private static final long CMDLINE = 0x20000;

    @TempDir
    Path out;

    /** Just enough of an 8250 for a polling guest: THR collects output, RBR/LSR hand out input. */
    static final class Console implements BusDevice {
        final StringBuffer output = new StringBuffer();
        final ConcurrentLinkedQueue<Character> input = new ConcurrentLinkedQueue<>();

        @Override
        public long read(long offset, int size) {
            if (offset == 0) {
                Character c = input.poll();
                return c == null ? 0 : c;
            }
            if (offset == 5) { // LSR: transmitter empty, data ready when input is queued
                return 0x60 | (input.isEmpty() ? 0 : 1);
            }
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {
            if (offset == 0) {
                output.append((char) (value & 0xFF));
            }
        }

        void type(String line) {
            for (char c : line.toCharArray()) {
                input.add(c);
            }
        }
    }

    @Test
    void bootsAndAnswersOnItsConsole() throws Exception {
        Path src = Path.of(System.getProperty("user.dir"), "guest-images", "conformance-guest");
        assumeTrue(Files.isRegularFile(src.resolve("Makefile")), "no conformance guest sources at " + src);
        assumeTrue(Toolchain.hasAll() && Toolchain.has("make"), "make, gcc or binutils missing");
        Toolchain.run(src, "make", "-s", "OUT=" + out);
        byte[] kernel = Files.readAllBytes(out.resolve("obj").resolve("kernel.bin"));

        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (TestMachine m = new TestMachine(64 << 20)) {
            m.load(KERNEL, kernel);
            String cmdline = "console=ttyS0 emu-test\0";
            m.load(CMDLINE, cmdline.getBytes(StandardCharsets.US_ASCII));
            m.mem.writeInt(ZERO_PAGE + 0x228, (int) CMDLINE); // hdr.cmd_line_ptr
            m.mem.writeByte(ZERO_PAGE + 0x1E8, (byte) 2); // e820_entries
            e820(m, 0, 0, 0x9FC00);
            e820(m, 1, 0x100000, (64 << 20) - 0x100000);
            Console console = new Console();
            m.pio.insert(0x3F8, 8, console);

            EmuVcpu v = m.vcpu(KERNEL + 0x200, 0x8FF0);
            Future<VcpuExit> run = pool.submit(v::run);
            awaitOutput(console, run, "altovirt-guest> ");
            assertThat(console.output.toString()).contains("altovirt conformance guest", "boot: entry=64 boot_params=0x7000", "ready");

            int mark = console.output.length();
            console.type("info\r");
            awaitOutput(console, run, "altovirt-guest> ", mark);
            String info = console.output.substring(mark);
            assertThat(info).contains("cmdline: console=ttyS0 emu-test", "entry: 64",
                    "e820: 0x0000000000100000-0x0000000003ffffff type=1");
            System.out.printf("ConformanceGuestTest: booted and answered 'info' in %,d guest instructions%n",
                    v.instructionsRetired());
            v.kick();
            assertThat(run.get(10, TimeUnit.SECONDS)).isEqualTo(new VcpuExit.Kicked());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void e820(TestMachine m, int i, long base, long size) {
        long at = ZERO_PAGE + 0x2D0 + 20L * i;
        m.mem.writeLong(at, base);
        m.mem.writeLong(at + 8, size);
        m.mem.writeInt(at + 16, 1);
    }

    private static void awaitOutput(Console c, Future<VcpuExit> run, String text) throws IOException {
        awaitOutput(c, run, text, 0);
    }

    private static void awaitOutput(Console c, Future<VcpuExit> run, String text, int from) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (c.output.indexOf(text, from) < 0) {
            assertThat(run.isDone()).as("vCPU stopped early; console so far:%n%s", c.output).isFalse();
            assertThat(System.nanoTime()).as("waiting for \"%s\"; console so far:%n%s", text, c.output).isLessThan(deadline);
            LockSupport.parkNanos(1_000_000);
        }
    }
}
