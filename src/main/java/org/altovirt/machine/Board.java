package org.altovirt.machine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.altovirt.config.NetdevConfig;
import org.altovirt.config.VmConfig;
import org.altovirt.boot.MpTable;
import org.altovirt.boot.acpi.AcpiTables;
import org.altovirt.devices.acpi.AcpiPowerDevice;
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
import org.altovirt.state.State;
import org.altovirt.state.StateException;

/**
 * The microvm's devices on its buses (docs/facts.md §3): the 8250 UART at 0x3F8 / IRQ 4 on the
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
    private final List<MmioTransport> transports = new ArrayList<>();
    private I8042 i8042;
    private AcpiPowerDevice acpiPower;
    private DiskSlots diskSlots;
    private NicSlots nicSlots;
    private final List<VirtioNet> nics = new ArrayList<>();
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
    static Board build(VmConfig config, GuestMemory memory, Bus pio, Bus mmio, Accelerator accel, GuestPower power,
            LongConsumer balloonChanged) throws BoardException {
        Board board = new Board(pio, mmio);
        try {
            refuseUnbuiltDevices(config);
            board.buildLegacy(config, accel, power);
            board.buildDisks(config, memory, accel);
            board.buildNicSlots(config, memory, accel);
            board.buildBalloon(config, memory, accel, balloonChanged);
            return board;
        } catch (BoardException e) {
            board.close();
            throw e;
        }
    }

    /** How the guest ends the VM: from its i8042 or ACPI reset, or its ACPI power-off. */
    interface GuestPower {
        void reset();

        void powerOff();
    }

    private void buildLegacy(VmConfig config, Accelerator accel, GuestPower power) throws BoardException {
        try {
            serial = SerialBackend.open(config.serial());
        } catch (SerialException e) {
            throw new BoardException(e.getMessage(), e);
        }
        uart = new Uart8250(line(accel, Uart8250.IRQ), serial);
        pio.insert(Uart8250.PORT_BASE, Uart8250.PORT_COUNT, uart);
        i8042 = new I8042(power::reset);
        pio.insert(I8042.DATA_PORT, 1, i8042.dataPort());
        pio.insert(I8042.COMMAND_PORT, 1, i8042.commandPort());
        if (config.machine().acpi()) {
            acpiPower = new AcpiPowerDevice(AcpiTables.S5_SLEEP_TYPE, power::powerOff, power::reset,
                    line(accel, AcpiPowerDevice.GED_IRQ));
            pio.insert(AcpiPowerDevice.PORT_BASE, AcpiPowerDevice.PORT_COUNT, acpiPower);
        }
    }

    private void buildDisks(VmConfig config, GuestMemory memory, Accelerator accel) throws BoardException {
        List<DeviceConfig.VirtioBlk> wanted = config.devices(DeviceConfig.VirtioBlk.class);
        for (int i = 0; i < DISK_SLOTS; i++) {
            VirtioBlock disk = i < wanted.size() ? openDisk(config, wanted.get(i)) : new VirtioBlock();
            disks.add(disk);
            MmioSlot slot = MmioSlot.of(slots.size());
            slots.add(slot);
            insert(slot, new MmioTransport("virtio-blk slot " + i, disk, memory, line(accel, slot.irq())));
        }
        diskSlots = new DiskSlots(disks);
        for (int i = 0; i < wanted.size(); i++) {
            DriveConfig drive = config.drive(wanted.get(i).drive()).orElseThrow();
            DeviceConfig.VirtioBlk device = wanted.get(i);
            String serial = device.serial() != null ? device.serial() : drive.serial() != null ? drive.serial() : drive.id();
            diskSlots.pluggedAtBoot(i, device.id(), drive.id(), drive.file(), drive.readOnly(), serial);
        }
    }

    private void insert(MmioSlot slot, MmioTransport transport) {
        mmio.insert(slot.base(), MmioTransport.SIZE, transport);
        transports.add(transport);
    }

    /**
     * The devices' state for a snapshot: the UART, the i8042, every virtio-mmio transport in slot
     * order, and which image each disk slot holds (a restore must find the same ones).
     */
    ObjectNode saveState() throws StateException {
        if (balloon != null) {
            throw new StateException("a VM with a balloon device cannot be snapshotted (docs/managing-vms.md: "
                    + "snapshots exclude the balloon)");
        }
        ObjectNode out = State.object();
        out.set("serial", uart.saveState());
        out.set("i8042", i8042.saveState());
        ArrayNode ts = out.putArray("transports");
        for (MmioTransport t : transports) {
            ts.add(t.saveState());
        }
        ArrayNode ns = out.putArray("nics");
        for (NicSlots.Nic nic : nicSlots.contents()) {
            ns.add(nic == null ? null : State.object().put("ifname", nic.ifname()).put("mac", nic.mac()));
        }
        ArrayNode ds = out.putArray("disks");
        for (DiskSlots.Slot d : diskSlots.contents()) {
            ds.add(d == null ? null : State.object().put("image", d.image().toString()).put("read_only", d.readOnly()));
        }
        return out;
    }

    /** Checks that a snapshot's devices are this board's; changes nothing. */
    void checkState(JsonNode in) throws StateException {
        String where = "devices";
        if (balloon != null) {
            throw new StateException("-device virtio-balloon-device: a VM restored from a snapshot cannot have a balloon");
        }
        JsonNode ds = State.field(in, "disks", where);
        List<DiskSlots.Slot> mine = diskSlots.contents();
        if (!ds.isArray() || ds.size() != mine.size()) {
            throw new StateException(where + ": the snapshot has " + ds.size() + " disk slots, this VM " + mine.size());
        }
        // The same images, each where the snapshot had it: restoreState moves them into place.
        List<DiskSlots.Slot> wantedDisks = savedDisks(ds);
        for (int i = 0; i < wantedDisks.size(); i++) {
            DiskSlots.Slot w = wantedDisks.get(i);
            if (w == null) {
                continue;
            }
            String slot = String.format("disk slot 0x%x (%s)", i, DiskSlots.diskName(i));
            DiskSlots.Slot now = mine.stream().filter(d -> d != null && d.image().equals(w.image())).findFirst().orElse(null);
            if (now == null) {
                throw new StateException(slot + ": the snapshot has " + w.image() + " there; give it on the command line "
                        + "(-drive file=" + w.image() + ",id=... -device virtio-blk-device,drive=...)");
            }
            if (now.readOnly() != w.readOnly()) {
                throw new StateException(slot + ": the snapshot has " + w.image() + (w.readOnly() ? " read-only" : " writable")
                        + ", this VM has it " + (now.readOnly() ? "read-only" : "writable"));
            }
        }
        for (DiskSlots.Slot now : mine) {
            if (now != null && wantedDisks.stream().noneMatch(w -> w != null && w.image().equals(now.image()))) {
                throw new StateException("this VM has the disk " + now.image() + ", which the snapshot's VM did not have");
            }
        }
        JsonNode ns = State.field(in, "nics", where);
        List<NicSlots.Nic> nics = nicSlots.contents();
        if (!ns.isArray() || ns.size() != nics.size()) {
            throw new StateException(where + ": the snapshot has " + ns.size() + " NIC slots, this VM " + nics.size());
        }
        List<NicSlots.Nic> wantedNics = savedNics(ns);
        for (int i = 0; i < wantedNics.size(); i++) {
            NicSlots.Nic w = wantedNics.get(i);
            if (w != null && !nics.contains(w)) {
                throw new StateException(String.format("NIC slot 0x%x (eth%d): the snapshot has %s there, this VM none like it "
                        + "(-netdev tap,id=...,ifname=%s -device virtio-net-device,netdev=...,mac=%s)", i, i, describe(w),
                        w.ifname(), w.mac()));
            }
        }
        for (NicSlots.Nic now : nics) {
            if (now != null && !wantedNics.contains(now)) {
                throw new StateException("this VM has a NIC on " + describe(now) + ", which the snapshot's VM did not have");
            }
        }
        JsonNode ts = State.field(in, "transports", where);
        if (!ts.isArray() || ts.size() != transports.size()) {
            throw new StateException(where + ": the snapshot has " + ts.size() + " virtio-mmio devices, this VM "
                    + transports.size());
        }
    }

    private static List<DiskSlots.Slot> savedDisks(JsonNode ds) throws StateException {
        List<DiskSlots.Slot> out = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            JsonNode d = ds.get(i);
            String slot = String.format("disk slot 0x%x", i);
            out.add(d.isNull() ? null : new DiskSlots.Slot(java.nio.file.Path.of(State.text(d, "image", slot)),
                    State.bool(d, "read_only", slot)));
        }
        return out;
    }

    private static List<NicSlots.Nic> savedNics(JsonNode ns) throws StateException {
        List<NicSlots.Nic> out = new ArrayList<>();
        for (int i = 0; i < ns.size(); i++) {
            String slot = String.format("NIC slot 0x%x", i);
            out.add(ns.get(i).isNull() ? null : new NicSlots.Nic(State.text(ns.get(i), "ifname", slot), State.text(ns.get(i), "mac", slot)));
        }
        return out;
    }

    private static String describe(NicSlots.Nic nic) {
        return nic == null ? "no NIC" : "tap " + nic.ifname() + " with MAC " + nic.mac();
    }

    /** Loads the devices' state from a snapshot that {@link #checkState} accepted. */
    void restoreState(JsonNode in) throws StateException {
        String where = "devices";
        diskSlots.arrange(savedDisks(State.field(in, "disks", where)));
        nicSlots.arrange(savedNics(State.field(in, "nics", where)));
        JsonNode ts = State.field(in, "transports", where);
        uart.restoreState(State.field(in, "serial", where));
        i8042.restoreState(State.field(in, "i8042", where));
        for (int i = 0; i < transports.size(); i++) {
            transports.get(i).restoreState(ts.get(i));
        }
    }

    /** The disk slots, for hot-plug. */
    DiskSlots diskSlots() {
        return diskSlots;
    }

    /** The two NIC slots, after the disks, with no backend (link down) until a NIC is plugged. */
    private void buildNicSlots(VmConfig config, GuestMemory memory, Accelerator accel) throws BoardException {
        for (int i = 0; i < NIC_SLOTS; i++) {
            MmioSlot slot = MmioSlot.of(slots.size());
            slots.add(slot);
            VirtioNet nic = new VirtioNet("eth" + i, VirtioNet.defaultMac(i));
            nics.add(nic);
            insert(slot, new MmioTransport("virtio-net slot " + i, nic, memory, line(accel, slot.irq())));
        }
        nicSlots = new NicSlots(nics);
        // -netdev tap + -device virtio-net-device: connected from boot, in command-line order.
        for (DeviceConfig.VirtioNet device : config.devices(DeviceConfig.VirtioNet.class)) {
            NetdevConfig netdev = config.netdev(device.netdev()).orElseThrow();
            if (netdev.vhost()) {
                throw new BoardException("-netdev tap,id=" + netdev.id() + ",vhost=on: vhost-net is not implemented; "
                        + "leave vhost off", null);
            }
            try {
                nicSlots.addNetdev(netdev.id(), netdev.ifname());
                nicSlots.plug(device.id(), netdev.id(), null, device.mac() == null ? null : VirtioNet.parseMac(device.mac()));
            } catch (HotplugException e) {
                throw new BoardException("-device virtio-net-device,id=" + device.id() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Stops (or lets go on) what devices do on their own to guest memory: frames arriving for the NICs. */
    void quiesce(boolean on) {
        for (VirtioNet nic : nics) {
            nic.quiesce(on);
        }
    }

    /** The NIC slots, for hot-plug. */
    NicSlots nicSlots() {
        return nicSlots;
    }

    /** The balloon, when the command line asks for one: the slot after the NICs (docs/facts.md §3). */
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
        insert(slot, new MmioTransport("virtio-balloon " + b.id(), balloon, memory, line(accel, slot.irq())));
    }

    /** The balloon device, if the VM has one. */
    Optional<VirtioBalloon> balloon() {
        return Optional.ofNullable(balloon);
    }

    /** Devices the command line may name but this version cannot build yet: refused, never ignored. */
    private static void refuseUnbuiltDevices(VmConfig config) throws BoardException {
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

    /** The ACPI power device ({@code system_powerdown}), absent with {@code -machine acpi=off}. */
    Optional<AcpiPowerDevice> acpiPower() {
        return Optional.ofNullable(acpiPower);
    }

    /** What the ACPI tables say of this board for {@code cpus} vCPUs (docs/acpi.md). */
    AcpiTables.Machine acpiDescription(int cpus) {
        List<AcpiTables.MmioDevice> devices = new ArrayList<>(slots.size());
        for (MmioSlot s : slots) {
            devices.add(new AcpiTables.MmioDevice(s.base(), MmioTransport.SIZE, s.irq()));
        }
        return new AcpiTables.Machine(cpus, MpTable.LOCAL_APIC_ADDRESS, cpus, MpTable.IO_APIC_ADDRESS,
                (int) Uart8250.PORT_BASE, Uart8250.IRQ, devices, AcpiPowerDevice.GED_IRQ,
                new AcpiTables.PowerRegisters(AcpiPowerDevice.SLEEP_CONTROL, AcpiPowerDevice.SLEEP_STATUS,
                        AcpiPowerDevice.RESET, AcpiPowerDevice.RESET_VALUE));
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
        if (nicSlots != null) {
            nicSlots.close();
        }
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
