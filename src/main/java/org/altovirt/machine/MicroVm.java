package org.altovirt.machine;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntFunction;
import java.util.concurrent.atomic.AtomicReference;
import org.altovirt.accel.AcceleratorChoice;
import org.altovirt.accel.NoGuest;
import org.altovirt.accel.VcpuBackend;
import org.altovirt.config.CpuTopology;
import org.altovirt.config.VmConfig;
import org.altovirt.devices.virtio.balloon.VirtioBalloon;
import org.altovirt.qmp.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM: its configuration, its vCPUs and its lifecycle (created, running, paused, shutdown).
 * Every change of state happens here, under one lock, and emits its event before returning, so
 * the QMP reply that follows comes after the event (the document's order).
 */
public final class MicroVm {
    /** Why a transition was refused; the message is for the user. */
    public static final class StateException extends Exception {
        StateException(String message) {
            super(message);
        }
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Logger LOG = LoggerFactory.getLogger(MicroVm.class);

    private final VmConfig config;
    private final EventSink events;
    private final List<Vcpu> vcpus = new ArrayList<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Guest guest;
    private VmState state = VmState.CREATED;

    /**
     * @param backends makes the backend of vCPU {@code i} (the accelerator's)
     */
    public MicroVm(VmConfig config, EventSink events, IntFunction<VcpuBackend> backends) {
        this(config, events, backends, null);
    }

    private MicroVm(VmConfig config, EventSink events, IntFunction<VcpuBackend> backends, Guest guest) {
        this.config = config;
        this.events = events;
        this.guest = guest;
        for (int i = 0; i < config.cpus().cpus(); i++) {
            vcpus.add(new Vcpu(i, backends.apply(i), (vcpu, reason) -> guestShutdown(reason)));
        }
    }

    /** Why a VM could not be created, for the user. */
    public static final class CreateException extends Exception {
        CreateException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The VM of {@code config}: with a {@code -kernel}, its RAM, devices and loaded kernel on
     * accelerator {@code kind}; without one, vCPUs that have no code and stay halted.
     */
    public static MicroVm create(VmConfig config, EventSink events, AcceleratorChoice.Kind kind) throws CreateException {
        if (config.boot().kernel() == null) {
            if (config.incoming() != null) {
                throw new CreateException("-incoming file:" + config.incoming() + ": give the snapshot's VM's command line, "
                        + "-kernel included, to restore it", null);
            }
            return new MicroVm(config, events, i -> new NoGuest(), null);
        }
        AtomicReference<MicroVm> self = new AtomicReference<>();
        Guest guest;
        try {
            guest = Guest.build(config, kind, new Board.GuestPower() {
                        @Override
                        public void reset() {
                            self.get().shutdown(true, "guest-reset");
                        }

                        @Override
                        public void powerOff() {
                            self.get().shutdown(true, "guest-shutdown");
                        }
                    },
                    actual -> events.emit("BALLOON_CHANGED", NODES.objectNode().put("actual", actual)));
        } catch (Guest.GuestException e) {
            throw new CreateException(e.getMessage(), e);
        }
        if (config.incoming() != null) {
            try {
                guest.restoreSnapshot(config.incoming());
            } catch (org.altovirt.state.StateException e) {
                guest.close();
                throw new CreateException("-incoming file:" + config.incoming() + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                guest.close();
                LOG.error("restoring {} failed", config.incoming(), e);
                throw new CreateException("-incoming file:" + config.incoming() + ": the snapshot could not be loaded ("
                        + e + ")", e);
            }
        }
        MicroVm vm = new MicroVm(config, events, guest::vcpu, guest);
        self.set(vm);
        return vm;
    }

    /** The accelerator running the guest's vCPUs, or "none" without a guest. */
    public String acceleratorName() {
        return guest == null ? "none" : guest.acceleratorName();
    }

    public VmConfig config() {
        return config;
    }

    /** Starts the vCPU threads; they run guest code at once unless the VM was created with -S. */
    public synchronized void boot() {
        vcpus.forEach(Vcpu::start);
        if (guest != null) {
            guest.startSerialInput();
        }
        if (!config.startPaused()) {
            state = VmState.RUNNING;
            vcpus.forEach(Vcpu::unpark);
        } else if (guest != null) {
            guest.quiesceDevices(true);
        }
    }

    public synchronized VmState state() {
        return state;
    }

    /**
     * {@code stop}: every vCPU out of guest code, then STOP. The wait for the vCPUs happens
     * outside the lock, so a vCPU that ends the VM meanwhile (guest reset) is not blocked by it;
     * then stop fails, since the VM is gone.
     */
    public void pause() throws StateException {
        synchronized (this) {
            switch (state) {
                case RUNNING -> state = VmState.PAUSED;
                case PAUSED -> throw new StateException("VM is already paused");
                case CREATED -> throw new StateException("VM has not been started yet (it was created with -S); use cont to start it");
                case SHUTDOWN -> throw new StateException("VM is shutting down");
            }
        }
        vcpus.forEach(Vcpu::park);
        synchronized (this) {
            if (state != VmState.PAUSED) {
                throw new StateException("VM is shutting down");
            }
            if (guest != null) {
                guest.quiesceDevices(true); // a paused guest's memory stays as it is
            }
            events.emit("STOP", NODES.objectNode());
        }
    }

    /** {@code cont}: RESUME, then every vCPU back in guest code. Also starts a VM created with -S. */
    public synchronized void resume() throws StateException {
        if (snapshotStatus.equals("active")) {
            throw new StateException("a snapshot is being written; cont when query-migrate says it has completed");
        }
        switch (state) {
            case PAUSED, CREATED -> {
                state = VmState.RUNNING;
                events.emit("RESUME", NODES.objectNode());
                if (guest != null) {
                    guest.quiesceDevices(false);
                }
                vcpus.forEach(Vcpu::unpark);
            }
            case RUNNING -> throw new StateException("VM is already running");
            case SHUTDOWN -> throw new StateException("VM is shutting down");
        }
    }

    /**
     * Ends the VM: vCPUs stop, SHUTDOWN is emitted, and {@link #awaitTermination} returns. Later
     * calls do nothing.
     */
    public void shutdown(boolean guest, String reason) {
        synchronized (this) {
            if (state == VmState.SHUTDOWN) {
                return;
            }
            state = VmState.SHUTDOWN;
            vcpus.forEach(Vcpu::end);
            ObjectNode data = NODES.objectNode().put("guest", guest).put("reason", reason);
            events.emit("SHUTDOWN", data);
        }
        terminated.countDown();
    }

    private void guestShutdown(String reason) {
        shutdown(true, reason);
    }

    /** Blocks until the VM has shut down. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /**
     * After shutdown: closes the devices (restoring a terminal the serial console had in raw
     * mode) and, once every vCPU thread has left guest code, frees the accelerator and RAM.
     */
    public void close() throws InterruptedException {
        if (guest == null) {
            return;
        }
        Thread writer;
        synchronized (this) {
            writer = snapshotWriter;
        }
        if (writer != null) {
            writer.join(); // it reads the guest's RAM, which close unmaps
        }
        boolean ended = true;
        for (Vcpu v : vcpus) {
            ended &= v.join(2000);
        }
        if (ended) {
            guest.close();
        } else {
            guest.closeDevices();
        }
    }

    /**
     * The disk slots, for hot-plug; refused on a VM without a kernel, which has no devices.
     */
    DiskSlots diskSlots() throws HotplugException {
        checkHotplug();
        return guest.diskSlots();
    }

    /** Hot-plug needs devices, a VM that is not ending, and no snapshot being written. */
    private synchronized void checkHotplug() throws HotplugException {
        if (guest == null) {
            throw new HotplugException("this VM has no device slots: it was started without -kernel");
        }
        if (state == VmState.SHUTDOWN) {
            throw new HotplugException("VM is shutting down");
        }
        if (snapshotStatus.equals("active")) {
            throw new HotplugException("a snapshot is being written; hot-plug when query-migrate says it has completed");
        }
    }

    /** Refuses an id that a disk or a NIC already has (one namespace, as device_del takes any). */
    void checkNewDeviceId(String id) throws HotplugException {
        checkHotplug();
        if (guest.diskSlots().hasDevice(id) || guest.nicSlots().hasDevice(id)) {
            throw new HotplugException("Duplicate ID '" + id + "' for device");
        }
    }

    /** The NIC slots, for hot-plug; refused on a VM without a kernel. */
    NicSlots nicSlots() throws HotplugException {
        checkHotplug();
        return guest.nicSlots();
    }

    /**
     * {@code device_del}: unplugs the device {@code id} and emits DEVICE_DELETED before returning
     * (the document shows the event before the reply).
     */
    void deleteDevice(String id) throws HotplugException {
        if (guest != null) {
            checkHotplug();
        }
        if (guest == null || !guest.diskSlots().unplug(id) && !guest.nicSlots().unplug(id)) {
            throw new HotplugException("Device '" + id + "' not found", true);
        }
        events.emit("DEVICE_DELETED", NODES.objectNode().put("device", id).put("path", id));
    }

    /**
     * The balloon, once its guest driver has started it; DeviceNotActive's case otherwise (no
     * balloon device, or no driver yet).
     */
    public Optional<VirtioBalloon> activeBalloon() {
        return guest == null ? Optional.empty() : guest.balloon().filter(VirtioBalloon::active);
    }

    /**
     * {@code system_powerdown}: POWERDOWN, then the guest's ACPI power button is pressed; what
     * happens next is up to the guest (a Linux guest with a button handler powers off).
     */
    public synchronized void powerDown() throws StateException {
        if (guest == null) {
            throw new StateException("this VM has no guest to power down: it was started without -kernel");
        }
        if (state == VmState.SHUTDOWN) {
            throw new StateException("VM is shutting down");
        }
        if (!config.machine().acpi()) {
            throw new StateException("this VM has no ACPI (-machine acpi=off), so its guest has no power button to press");
        }
        events.emit("POWERDOWN", NODES.objectNode());
        guest.pressPowerButton();
    }

    /** query-migrate's status: none, active, completed or failed. */
    private volatile String snapshotStatus = "none";
    private Thread snapshotWriter;

    public String snapshotStatus() {
        return snapshotStatus;
    }

    /**
     * {@code migrate} to {@code file:DIR}: pauses a running VM (STOP before the reply), then writes
     * the snapshot on a thread of its own; query-migrate follows it. The VM stays paused.
     */
    public void snapshot(Path dir) throws StateException {
        synchronized (this) {
            if (guest == null) {
                throw new StateException("this VM has no guest to snapshot: it was started without -kernel");
            }
            if (guest.balloon().isPresent()) {
                throw new StateException("a VM with a balloon device cannot be snapshotted (docs/managing-vms.md: "
                        + "snapshots and the balloon exclude each other)");
            }
            if (snapshotStatus.equals("active")) {
                throw new StateException("a snapshot is being written already");
            }
            if (state == VmState.SHUTDOWN) {
                throw new StateException("VM is shutting down");
            }
        }
        if (state() == VmState.RUNNING) {
            pause();
        }
        synchronized (this) {
            if (state == VmState.SHUTDOWN) {
                throw new StateException("VM is shutting down");
            }
            snapshotStatus = "active";
            snapshotWriter = new Thread(() -> writeSnapshot(dir), "snapshot-writer");
            snapshotWriter.start();
        }
    }

    private void writeSnapshot(Path dir) {
        try {
            guest.saveSnapshot(dir);
            snapshotStatus = "completed";
            LOG.info("snapshot written to {}", dir);
        } catch (IOException | org.altovirt.state.StateException | RuntimeException e) {
            snapshotStatus = "failed";
            LOG.error("snapshot to {} failed: {}", dir, e.getMessage(), e instanceof RuntimeException ? e : null);
        }
    }

    /** What {@code query-cpus} shows of each online vCPU. */
    public record VcpuInfo(int index, CpuTopology.Position position, long threadId, boolean halted) {}

    public synchronized List<VcpuInfo> vcpus() {
        CpuTopology topology = config.cpus();
        List<VcpuInfo> out = new ArrayList<>(vcpus.size());
        for (Vcpu v : vcpus) {
            out.add(new VcpuInfo(v.index(), topology.position(v.index()), v.threadId(), v.halted()));
        }
        return out;
    }
}
