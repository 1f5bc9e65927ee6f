package org.altovirt.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.altovirt.accel.VcpuExit;
import org.altovirt.accel.emu.EmuVcpu;
import org.altovirt.boot.BootException;
import org.altovirt.boot.BootImage;
import org.altovirt.boot.LinuxLoader;
import org.altovirt.bus.Bus;
import org.altovirt.bus.BusDevice;
import org.altovirt.devices.legacy.I8042;
import org.altovirt.devices.serial.Uart8250;
import org.altovirt.memory.GuestMemory;
import org.altovirt.sys.NativeException;

/**
 * The conformance guest on one {@link EmuVcpu} in this JVM, on the smallest machine it needs:
 * guest RAM, the 8250 UART (polled: its interrupt goes nowhere) and the i8042 (whose reset stops
 * the vCPU), loaded by {@link LinuxLoader} as altovirt loads it. Here the guest's instructions can
 * be counted exactly: the console stamps the count at each line feed the guest writes, on the
 * vCPU thread, and a probe in front of the UART stamps it when the guest reads the armed-for CR.
 */
final class InProcessEmu implements ComputeGuest {
    private static final byte CR = '\r';

    private final GuestMemory memory;
    private final Uart8250 uart;
    private final EmuVcpu vcpu;
    private final ConsoleTranscript console;
    private final Thread thread;
    private final long startNanos;
    private volatile boolean closing;
    private volatile boolean resetRequested;
    private volatile boolean crArmed;
    /** Guarded by {@code this}: the vCPU thread waits while it is set. */
    private boolean pauseRequested;
    /** Guarded by {@code this}: the vCPU thread is waiting, out of {@link EmuVcpu#run}. */
    private boolean parked;
    private volatile long crCount = -1;

    private InProcessEmu(GuestMemory memory, Path kernel) throws BenchFailure {
        this.memory = memory;
        Bus pio = new Bus("pio");
        Bus mmio = new Bus("mmio");
        // The holder lets the console read the count of the vCPU built below, on the vCPU thread.
        EmuVcpu[] holder = new EmuVcpu[1];
        console = new ConsoleTranscript(() -> holder[0].instructionsRetired());
        uart = new Uart8250(() -> { }, console::accept);
        pio.insert(Uart8250.PORT_BASE, Uart8250.PORT_COUNT, new CarriageReturnProbe());
        I8042 i8042 = new I8042(() -> {
            resetRequested = true;
            holder[0].kick();
        });
        pio.insert(I8042.DATA_PORT, 1, i8042.dataPort());
        pio.insert(I8042.COMMAND_PORT, 1, i8042.commandPort());
        BootImage image;
        try {
            image = LinuxLoader.load(memory, kernel, null, "console=ttyS0", List.of());
        } catch (BootException e) {
            throw new BenchFailure("cannot load " + kernel + ": " + e.getMessage(), e);
        }
        vcpu = new EmuVcpu(memory, pio, mmio, image.cpu());
        holder[0] = vcpu;
        thread = new Thread(this::runVcpu, "bench-emu-vcpu0");
        thread.setDaemon(true);
        startNanos = System.nanoTime();
        thread.start();
    }

    /** Boots {@code kernel} with {@code memBytes} of RAM; the vCPU runs on its own thread from now. */
    static InProcessEmu boot(Path kernel, long memBytes) throws BenchFailure {
        GuestMemory memory;
        try {
            memory = GuestMemory.anonymous(memBytes);
        } catch (NativeException e) {
            throw new BenchFailure("cannot map " + (memBytes >> 20) + " MiB of guest RAM: " + e.getMessage(), e);
        }
        try {
            return new InProcessEmu(memory, kernel);
        } catch (BenchFailure | RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    private void runVcpu() {
        String why = "the emu's vCPU thread ended";
        try {
            while (!closing) {
                VcpuExit exit = vcpu.run();
                if (exit instanceof VcpuExit.GuestShutdown s) {
                    why = "the guest stopped the machine (" + s.reason() + ")";
                    break;
                }
                if (resetRequested) {
                    why = "the guest reset the machine through the i8042";
                    break;
                }
                parkWhilePaused();
            }
        } catch (InterruptedException e) {
            why = "the emu's vCPU thread was interrupted";
        } catch (RuntimeException | Error e) {
            why = "the emu's vCPU thread failed: " + e;
        } finally {
            console.close(why);
        }
    }

    private synchronized void parkWhilePaused() throws InterruptedException {
        parked = true;
        notifyAll();
        try {
            while (pauseRequested && !closing) {
                wait();
            }
        } finally {
            parked = false;
        }
    }

    @Override
    public void pause() throws BenchFailure {
        synchronized (this) {
            pauseRequested = true;
        }
        vcpu.kick();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (this) {
            while (!parked && thread.isAlive()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new BenchFailure("the emu's vCPU did not stop within 10 s of a kick");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BenchFailure("interrupted while pausing the emu");
                }
            }
        }
    }

    @Override
    public synchronized void resume() {
        pauseRequested = false;
        notifyAll();
    }

    /** When the vCPU started. */
    long startNanos() {
        return startNanos;
    }

    @Override
    public String name() {
        return "emu-in-process";
    }

    @Override
    public ConsoleTranscript console() {
        return console;
    }

    @Override
    public void type(String text) throws BenchFailure {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        try {
            uart.receive(bytes, 0, bytes.length);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchFailure("interrupted while typing into the emu's UART");
        }
    }

    @Override
    public void armCarriageReturnCount() {
        crCount = -1;
        crArmed = true;
    }

    @Override
    public long carriageReturnCount() {
        return crCount;
    }

    @Override
    public void close() {
        closing = true;
        synchronized (this) {
            notifyAll();
        }
        vcpu.kick();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Guest RAM is unmapped only once the vCPU no longer touches it.
        if (!thread.isAlive()) {
            memory.close();
        }
    }

    /** The UART as the guest sees it, noting the instruction count when the guest reads the armed-for CR. */
    private final class CarriageReturnProbe implements BusDevice {
        @Override
        public long read(long offset, int size) {
            long v = uart.read(offset, size);
            // Offset 0 is RBR (the guest sets DLAB only while it programs the divisor, at boot).
            if (crArmed && offset == 0 && (v & 0xFF) == CR) {
                crCount = vcpu.instructionsRetired();
                crArmed = false;
            }
            return v;
        }

        @Override
        public void write(long offset, int size, long value) {
            uart.write(offset, size, value);
        }
    }
}
