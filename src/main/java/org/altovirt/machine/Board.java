package org.altovirt.machine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.altovirt.accel.Accelerator;
import org.altovirt.accel.AcceleratorException;
import org.altovirt.bus.Bus;
import org.altovirt.config.DeviceConfig;
import org.altovirt.config.DriveConfig;
import org.altovirt.config.VmConfig;
import org.altovirt.devices.legacy.I8042;
import org.altovirt.devices.serial.SerialBackend;
import org.altovirt.devices.serial.SerialException;
import org.altovirt.devices.serial.Uart8250;
import org.altovirt.devices.virtio.MmioSlot;
import org.altovirt.devices.virtio.balloon.VirtioBalloon;
import org.altovirt.devices.virtio.MmioTransport;
import org.altovirt.devices.virtio.block.VirtioBlock;
import org.altovirt.devices.virtio.net.VirtioNet;
import org.altovirt.memory.GuestMemory;

/**
 * The microvm's devices on its buses (facts.md §3): the 8250 UART at 0x3F8 / IRQ 4 on the
 * {@code -serial} backend, the i8042 at 0x60/0x64 for resets, and the virtio-mmio slots from
 * 0xF010_0000, IRQs from 5 — the six disk slots first, filled by the command line's
 * virtio-blk devices in order and empty (capacity 0) otherwise, then the two NIC slots, ready
 * for hot-plug.
 */
final class Board implements AutoCloseable {
    /** The document's limit: six virtio-blk disks. */
    static final int DISK_SLOTS = DeviceConfig.MAX_DISKS;
    /** The document's limit: two virtio-net NICs. */
    static final int NIC_SLOTS = DeviceConfig.MAX_NICS;

    private final Bus pio;
    private final Bus mmio;
    private final List<VirtioBlock> disks = new ArrayList<>();
    private final List<MmioSlot> slots = new ArrayList<>();
    private DiskSlots diskSlots;
    private VirtioBalloon balloon;
    private SerialBackend serial;
    private Uart8250 uart;

    private Board(Bus pio, Bus mmio) {
        this.pio = pio;
        this.mmio = mmio;
    }

    /** Why the board could not be built, for the user. */
    static final class BoardException extends Exception {
        BoardException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Builds every device of {@code config}; {@code reset} is what an i8042 reset does (end the
     * VM with guest-reset).
     */
    static Board build(VmConfig config, GuestMemory memory, Bus pio, Bus mmio, Accelerator accel, Runnable reset,
            LongConsumer balloonChanged) throws BoardException {
        Board board = new Board(pio, mmio);
        try {
            refuseUnbuiltDevices(config);
            board.buildLegacy(config, accel, reset);
            board.buildDisks(config, memory, accel);
            board.buildNicSlots(memory, accel);
            board.buildBalloon(config, memory, accel, balloonChanged);
            return board;
        } catch (BoardException e) {
            board.close();
            throw e;
        }
    }

    private void buildLegacy(VmConfig config, Accelerator accel, Runnable reset) throws BoardException {
        try {
            serial = SerialBackend.open(config.serial());
        } catch (SerialException e) {
            throw new BoardException(e.getMessage(), e);
        }
        uart = new Uart8250(line(accel, Uart8250.IRQ), serial);
        pio.insert(Uart8250.PORT_BASE, Uart8250.PORT_COUNT, uart);
        I8042 i8042 = new I8042(reset);
        pio.insert(I8042.DATA_PORT, 1, i8042.dataPort());
        pio.insert(I8042.COMMAND_PORT, 1, i8042.commandPort());
    }

    private void buildDisks(VmConfig config, GuestMemory memory, Accelerator accel) throws BoardException {
        List<DeviceConfig.VirtioBlk> wanted = config.devices(DeviceConfig.VirtioBlk.class);
        for (int i = 0; i < DISK_SLOTS; i++) {
            VirtioBlock disk = i < wanted.size() ? openDisk(config, wanted.get(i)) : new VirtioBlock();
            disks.add(disk);
            MmioSlot slot = MmioSlot.of(slots.size());
            slots.add(slot);
            mmio.insert(slot.base(), MmioTransport.SIZE,
                    new MmioTransport("virtio-blk slot " + i, disk, memory, line(accel, slot.irq())));
        }
        diskSlots = new DiskSlots(disks);
        for (int i = 0; i < wanted.size(); i++) {
            DriveConfig drive = config.drive(wanted.get(i).drive()).orElseThrow();
            diskSlots.pluggedAtBoot(i, wanted.get(i).id(), drive.id(), drive.file());
        }
    }

    /** The disk slots, for hot-plug. */
    DiskSlots diskSlots() {
        return diskSlots;
    }

    /** The two NIC slots, after the disks, with no backend (link down) until a NIC is plugged. */
    private void buildNicSlots(GuestMemory memory, Accelerator accel) throws BoardException {
        for (int i = 0; i < NIC_SLOTS; i++) {
            MmioSlot slot = MmioSlot.of(slots.size());
            slots.add(slot);
            VirtioNet nic = new VirtioNet(VirtioNet.defaultMac(i));
            mmio.insert(slot.base(), MmioTransport.SIZE, new MmioTransport("virtio-net slot " + i, nic, memory, line(accel, slot.irq())));
        }
    }

    /** The balloon, when the command line asks for one: the slot after the NICs (facts.md §3). */
    private void buildBalloon(VmConfig config, GuestMemory memory, Accelerator accel, LongConsumer changed)
            throws BoardException {
        List<DeviceConfig.VirtioBalloon> wanted = config.devices(DeviceConfig.VirtioBalloon.class);
        if (wanted.isEmpty()) {
            return;
        }
        DeviceConfig.VirtioBalloon b = wanted.get(0);
        balloon = new VirtioBalloon(memory.size(), b.deflateOnOom(), changed);
        MmioSlot slot = MmioSlot.of(slots.size());
        slots.add(slot);
        mmio.insert(slot.base(), MmioTransport.SIZE, new MmioTransport("virtio-balloon " + b.id(), balloon, memory, line(accel, slot.irq())));
    }

    /** The balloon device, if the VM has one. */
    Optional<VirtioBalloon> balloon() {
        return Optional.ofNullable(balloon);
    }

    /** Devices the command line may name but this version cannot build yet: refused, never ignored. */
    private static void refuseUnbuiltDevices(VmConfig config) throws BoardException {
        if (!config.devices(DeviceConfig.VirtioNet.class).isEmpty()) {
            throw new BoardException("-device virtio-net-device: network cards are not implemented yet "
                    + "(the two NIC slots exist from boot, without a backend)", null);
        }
        List<DeviceConfig.VirtioBalloon> balloons = config.devices(DeviceConfig.VirtioBalloon.class);
        if (balloons.size() > 1) {
            throw new BoardException("-device virtio-balloon-device: a VM has at most one balloon", null);
        }
        if (!balloons.isEmpty() && balloons.get(0).freePageReporting()) {
            throw new BoardException("-device virtio-balloon-device: free-page-reporting=on is not implemented", null);
        }
    }

    private static VirtioBlock openDisk(VmConfig config, DeviceConfig.VirtioBlk device) throws BoardException {
        DriveConfig drive = config.drive(device.drive()).orElseThrow();
        String serial = device.serial() != null ? device.serial() : drive.serial() != null ? drive.serial() : drive.id();
        try {
            return VirtioBlock.open(drive.file(), drive.readOnly(), drive.direct(), serial);
        } catch (IOException e) {
            throw new BoardException("-drive id=" + drive.id() + ": cannot open " + drive.file() + ": " + e.getMessage(), e);
        }
    }

    private static org.altovirt.bus.InterruptLine line(Accelerator accel, int irq) throws BoardException {
        try {
            return accel.interruptLine(irq);
        } catch (AcceleratorException e) {
            throw new BoardException("interrupt line " + irq + ": " + e.getMessage(), e);
        }
    }

    /** The kernel parameters that announce the virtio-mmio slots, in slot order. */
    List<String> kernelParameters() {
        List<String> out = new ArrayList<>(slots.size());
        for (MmioSlot s : slots) {
            out.add(s.kernelParameter());
        }
        return out;
    }

    /** Starts feeding host input to the UART: once the vCPUs may read it. */
    void startSerialInput() {
        serial.start(uart);
    }

    @Override
    public void close() {
        if (diskSlots != null) {
            diskSlots.close();
        }
        for (VirtioBlock d : disks) {
            d.close();
        }
        if (serial != null) {
            serial.close();
        }
    }
}
