package org.altovirt.accel.kvm;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.altovirt.accel.VcpuExit;
import org.altovirt.boot.BootCpuState;
import org.altovirt.bus.Bus;
import org.altovirt.bus.BusDevice;
import org.altovirt.memory.GuestMemory;
import org.junit.jupiter.api.Assumptions;

/**
 * A small KVM guest for the tests: 64 MiB of RAM, the boot protocol's GDT and identity-mapped
 * page tables (docs/facts.md §4) plus a mapping of the IOAPIC and LAPIC pages, an all-absent IDT, a
 * recording "serial port" at 0x3F8, and vCPU threads. Skips the test where /dev/kvm does not open.
 */
final class TestGuest implements AutoCloseable {
    static final long RAM = 64L << 20;
    static final long GDT = 0x500;
    static final long IDT = 0x1000;
    /** Room for vectors 0 to 0x30 (16-byte gates). */
    static final int IDT_LIMIT = 0x30 * 16 + 15;
    static final long STACK = 0x8FF0;
    static final long PML4 = 0x9000;
    static final long PDPT = 0xA000;
    static final long PD_LOW = 0xB000;
    static final long PD_HIGH = 0xC000;
    static final long PD_ABOVE_4G = 0xD000;
    static final long CODE = 0x10000;
    static final long SERIAL = 0x3F8;

    static final BootCpuState.Segment CODE_SEGMENT =
            new BootCpuState.Segment(0x10, 0, 0xFFFF_FFFFL, 0xB, true, 0, false, true, true, true, false);
    static final BootCpuState.Segment DATA_SEGMENT =
            new BootCpuState.Segment(0x18, 0, 0xFFFF_FFFFL, 0x3, true, 0, true, true, false, true, false);

    final Kvm kvm;
    final GuestMemory memory;
    final KvmVm vm;
    final Bus pio = new Bus("test pio");
    final Bus mmio = new Bus("test mmio");
    final Recorder serial = new Recorder();
    private final AtomicInteger threadCount = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-vcpu-" + threadCount.getAndIncrement());
        t.setDaemon(true);
        return t;
    });

    private TestGuest(Kvm kvm, long ram) throws Exception {
        this.kvm = kvm;
        this.memory = GuestMemory.anonymous(ram);
        writeTables();
        this.vm = KvmVm.create(kvm, memory);
        pio.insert(SERIAL, 1, serial);
    }

    /** A guest, or the test skipped with the reason KVM is not there. */
    static TestGuest create() throws Exception {
        return create(RAM);
    }

    /** A guest with {@code ram} bytes of RAM laid out as the microvm's. */
    static TestGuest create(long ram) throws Exception {
        return new TestGuest(openKvmOrSkip(), ram);
    }

    static Kvm openKvmOrSkip() {
        KvmProbe.Result probe = KvmProbe.probe();
        Assumptions.assumeTrue(probe.usable(), () -> "no usable KVM here: " + probe);
        try {
            return Kvm.open();
        } catch (KvmException e) {
            Assumptions.abort("no usable KVM here: " + e.getMessage());
            throw new AssertionError(e);
        }
    }

    private void writeTables() {
        memory.writeLong(GDT + 0x10, 0x00AF_9B00_0000_FFFFL);
        memory.writeLong(GDT + 0x18, 0x00CF_9300_0000_FFFFL);
        memory.writeLong(PML4, PDPT | 0x3);
        memory.writeLong(PDPT, PD_LOW | 0x3);
        for (long i = 0; i < 512; i++) {
            memory.writeLong(PD_LOW + 8 * i, (i << 21) | 0x83);
        }
        // 3 to 4 GiB: only the IOAPIC (0xFEC0_0000) and LAPIC (0xFEE0_0000) pages, uncached.
        memory.writeLong(PDPT + 8 * 3, PD_HIGH | 0x3);
        memory.writeLong(PD_HIGH + 8 * ((0xFEC0_0000L >> 21) & 511), 0xFEC0_0000L | 0x9B);
        memory.writeLong(PD_HIGH + 8 * ((0xFEE0_0000L >> 21) & 511), 0xFEE0_0000L | 0x9B);
        // The first 2 MiB above 4 GiB, where RAM beyond 3 GiB goes.
        memory.writeLong(PDPT + 8 * 4, PD_ABOVE_4G | 0x3);
        memory.writeLong(PD_ABOVE_4G, (1L << 32) | 0x83);
    }

    /** Long mode at {@code CODE}, as the loader would set it up. */
    static BootCpuState bootState() {
        return new BootCpuState(CODE, STACK, STACK, 0x7000, 0x2,
                0x8000_0011L, PML4, 0x20, 0x500,
                GDT, 0x1F, IDT, IDT_LIMIT, CODE_SEGMENT, DATA_SEGMENT);
    }

    /** Writes {@code code} at {@code CODE} and creates the boot vCPU of {@code count}. */
    KvmVcpu bootVcpu(byte[] code, int count) throws KvmException {
        memory.write(CODE, code, 0, code.length);
        return vm.createVcpu(0, pio, mmio, bootState(), count);
    }

    /** An interrupt gate for {@code vector} to {@code handler} in the IDT (Intel SDM 3A, 6.14.1). */
    void interruptGate(int vector, long handler) {
        long low = (handler & 0xFFFF) | (0x10L << 16) | (0x8EL << 40) | (((handler >> 16) & 0xFFFF) << 48);
        memory.writeLong(IDT + 16L * vector, low);
        memory.writeLong(IDT + 16L * vector + 8, handler >>> 32);
    }

    /** Runs {@code vcpu.run()} on a thread of its own. */
    Future<VcpuExit> start(KvmVcpu vcpu) {
        return threads.submit(vcpu::run);
    }

    /** Hex bytes, one string per instruction. */
    static byte[] code(String... instructions) {
        return HexFormat.ofDelimiter(" ").parseHex(String.join(" ", instructions));
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    @Override
    public void close() {
        vm.close();
        threads.shutdownNow();
        memory.close();
        kvm.close();
    }

    /** A device that records what is written to it and answers reads from a script. */
    static final class Recorder implements BusDevice {
        record Access(long offset, int size, long value, String thread) {}

        private final List<Access> writes = new ArrayList<>();
        private final StringBuilder text = new StringBuilder();
        private final List<Long> reads = new ArrayList<>();

        /** Values the next reads return, in order; all ones after that. */
        synchronized Recorder answering(long... values) {
            for (long v : values) {
                reads.add(v);
            }
            return this;
        }

        @Override
        public synchronized long read(long offset, int size) {
            return reads.isEmpty() ? -1L : reads.remove(0);
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            writes.add(new Access(offset, size, value, Thread.currentThread().getName()));
            text.append((char) (value & 0xFF));
        }

        synchronized List<Access> writes() {
            return List.copyOf(writes);
        }

        /** The low bytes written, as text: what a serial console would show. */
        synchronized String text() {
            return text.toString();
        }
    }
}
