package org.altovirt.machine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.altovirt.accel.Accelerator;
import org.altovirt.accel.AcceleratorChoice;
import org.altovirt.accel.AcceleratorException;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.accel.emu.EmuAccelerator;
import org.altovirt.accel.kvm.KvmAccelerator;
import org.altovirt.boot.BootException;
import org.altovirt.boot.BootImage;
import org.altovirt.boot.LinuxLoader;
import org.altovirt.boot.MpTable;
import org.altovirt.boot.acpi.AcpiTables;
import org.altovirt.bus.Bus;
import org.altovirt.config.VmConfig;
import org.altovirt.devices.virtio.balloon.VirtioBalloon;
import org.altovirt.memory.GuestMemory;
import org.altovirt.state.StateException;
import org.altovirt.sys.NativeException;

/**
 * What a VM with a kernel runs: guest RAM, the board's devices, the loaded kernel and one
 * backend per vCPU from the chosen accelerator. Built in that order, since the accelerator maps
 * the RAM, the devices take their interrupt lines from the accelerator, and the loader announces
 * the devices on the kernel command line.
 */
final class Guest implements AutoCloseable {
    private final GuestMemory memory;
    private final Accelerator accelerator;
    private final Board board;
    private final List<VcpuBackend> vcpus;
    private final BootImage image;

    private Guest(GuestMemory memory, Accelerator accelerator, Board board, List<VcpuBackend> vcpus, BootImage image) {
        this.memory = memory;
        this.accelerator = accelerator;
        this.board = board;
        this.vcpus = vcpus;
        this.image = image;
    }

    /** Why the guest could not be built, for the user. */
    static final class GuestException extends Exception {
        GuestException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param power what the guest's reset and power-off do
     */
    static Guest build(VmConfig config, AcceleratorChoice.Kind kind, Board.GuestPower power, LongConsumer balloonChanged)
            throws GuestException {
        GuestMemory memory;
        try {
            memory = GuestMemory.anonymous(config.machine().memBytes());
        } catch (NativeException e) {
            throw new GuestException("-m " + (config.machine().memBytes() >> 20) + "M: cannot map guest RAM: " + e.getMessage(), e);
        }
        Bus pio = new Bus("pio");
        Bus mmio = new Bus("mmio");
        Accelerator accel = null;
        Board board = null;
        try {
            accel = kind == AcceleratorChoice.Kind.KVM ? KvmAccelerator.create(memory, pio, mmio)
                    : new EmuAccelerator(memory, pio, mmio);
            board = Board.build(config, memory, pio, mmio, accel, power, balloonChanged);
            BootImage image = LinuxLoader.load(memory, config.boot().kernel(), config.boot().initrd(),
                    config.boot().cmdline(), board.kernelParameters());
            int cpus = config.cpus().cpus();
            // Both descriptions: the MP table (and the command line's virtio_mmio.device=) for
            // kernels built without ACPI, ACPI for the rest, which prefer it (docs/acpi.md).
            MpTable.write(memory, cpus);
            if (config.machine().acpi()) {
                LinuxLoader.announceAcpi(memory, AcpiTables.write(memory, board.acpiDescription(cpus)));
            }
            List<VcpuBackend> vcpus = new ArrayList<>(cpus);
            for (int i = 0; i < cpus; i++) {
                vcpus.add(accel.createVcpu(i, i == 0 ? image.cpu() : null, cpus));
            }
            return new Guest(memory, accel, board, vcpus, image);
        } catch (AcceleratorException e) {
            closeAll(board, accel, memory);
            throw new GuestException("-accel " + kind.name().toLowerCase() + ": " + e.getMessage(), e);
        } catch (Board.BoardException e) {
            closeAll(board, accel, memory);
            throw new GuestException(e.getMessage(), e);
        } catch (BootException e) {
            closeAll(board, accel, memory);
            throw new GuestException("-kernel " + config.boot().kernel() + ": " + e.getMessage(), e);
        }
    }

    private static void closeAll(Board board, Accelerator accel, GuestMemory memory) {
        if (board != null) {
            board.close();
        }
        if (accel != null) {
            accel.close();
        }
        memory.close();
    }

    VcpuBackend vcpu(int index) {
        return vcpus.get(index);
    }

    String acceleratorName() {
        return accelerator.name();
    }

    BootImage image() {
        return image;
    }

    /** Writes a snapshot of this guest into {@code dir}; every vCPU is out of guest code. */
    void saveSnapshot(Path dir) throws IOException, StateException {
        Snapshot.save(dir, shape(), memory, accelerator, vcpus, board);
    }

    /** Loads the snapshot in {@code dir}; no vCPU has run yet. */
    void restoreSnapshot(Path dir) throws StateException {
        Snapshot.restore(dir, shape(), memory, accelerator, vcpus, board);
    }

    private Snapshot.Shape shape() {
        return new Snapshot.Shape(accelerator.name(), memory.size(), vcpus.size());
    }

    Optional<VirtioBalloon> balloon() {
        return board.balloon();
    }

    /** See {@link Board#quiesce}. */
    void quiesceDevices(boolean on) {
        board.quiesce(on);
    }

    /** {@code system_powerdown}: presses the guest's ACPI power button; false without ACPI. */
    boolean pressPowerButton() {
        return board.acpiPower().map(p -> {
            p.pressPowerButton();
            return true;
        }).orElse(false);
    }

    NicSlots nicSlots() {
        return board.nicSlots();
    }

    DiskSlots diskSlots() {
        return board.diskSlots();
    }

    /** Host input starts reaching the guest's UART. */
    void startSerialInput() {
        board.startSerialInput();
    }

    /** Closes the devices (files, the serial backend and its terminal) but keeps the RAM mapped. */
    void closeDevices() {
        board.close();
    }

    /** Frees the devices, the accelerator and the RAM; the vCPU threads must have ended. */
    @Override
    public void close() {
        closeAll(board, accelerator, memory);
    }
}
