package org.altovirt.devices.virtio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.altovirt.bus.BusDevice;
import org.altovirt.bus.InterruptLine;
import org.altovirt.memory.GuestMemory;
import org.altovirt.memory.GuestMemoryException;
import org.altovirt.state.State;
import org.altovirt.state.StateException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-mmio transport, version 2 (virtio 1.x §4.2.2): the 0x200-byte register window through
 * which the driver finds, negotiates with, sets up and notifies one {@link VirtioDevice}.
 *
 * <p>Feature negotiation: FEATURES_OK sticks only when the driver's features are a subset of the
 * device's and include VIRTIO_F_VERSION_1 (there is no legacy interface). DRIVER_OK checks the
 * queues and activates the device. A queue error puts the device in DEVICE_NEEDS_RESET: one log
 * line, a configuration-change interrupt, and no more notifications reach the device until the
 * driver writes 0 to Status. VendorID reads 0, as on StratoVirt and Firecracker.
 *
 * <p>Threads: register accesses come from vCPU threads and are serialised on this object; queue
 * notifications run on the notifying vCPU without that lock, so other vCPUs can read registers
 * (InterruptStatus) while a device does I/O. Lock order is transport, then device: the device's
 * {@link DeviceSignals} never take the transport's lock except {@code changeConfig}, which the
 * device must call without holding its own.
 */
public final class MmioTransport implements BusDevice {
    /** Size of the register window. */
    public static final int SIZE = 0x200;
    /** MagicValue: "virt". */
    public static final int MAGIC = 0x7472_6976;
    /** Version of the virtio-mmio interface: 2, the modern one. */
    public static final int VERSION = 2;
    /** VendorID. */
    public static final int VENDOR_ID = 0;

    /** Status bits (§2.1). */
    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 64;
    public static final int STATUS_FAILED = 128;

    /** InterruptStatus bits. */
    public static final int INTERRUPT_USED_BUFFER = 1;
    public static final int INTERRUPT_CONFIG_CHANGE = 2;

    // Register offsets (§4.2.2).
    static final int REG_MAGIC = 0x000;
    static final int REG_VERSION = 0x004;
    static final int REG_DEVICE_ID = 0x008;
    static final int REG_VENDOR_ID = 0x00C;
    static final int REG_DEVICE_FEATURES = 0x010;
    static final int REG_DEVICE_FEATURES_SEL = 0x014;
    static final int REG_DRIVER_FEATURES = 0x020;
    static final int REG_DRIVER_FEATURES_SEL = 0x024;
    static final int REG_QUEUE_SEL = 0x030;
    static final int REG_QUEUE_NUM_MAX = 0x034;
    static final int REG_QUEUE_NUM = 0x038;
    static final int REG_QUEUE_READY = 0x044;
    static final int REG_QUEUE_NOTIFY = 0x050;
    static final int REG_INTERRUPT_STATUS = 0x060;
    static final int REG_INTERRUPT_ACK = 0x064;
    static final int REG_STATUS = 0x070;
    static final int REG_QUEUE_DESC_LOW = 0x080;
    static final int REG_QUEUE_DESC_HIGH = 0x084;
    static final int REG_QUEUE_DRIVER_LOW = 0x090;
    static final int REG_QUEUE_DRIVER_HIGH = 0x094;
    static final int REG_QUEUE_DEVICE_LOW = 0x0A0;
    static final int REG_QUEUE_DEVICE_HIGH = 0x0A4;
    static final int REG_SHM_SEL = 0x0AC;
    static final int REG_SHM_LEN_LOW = 0x0B0;
    static final int REG_SHM_LEN_HIGH = 0x0B4;
    static final int REG_SHM_BASE_LOW = 0x0B8;
    static final int REG_SHM_BASE_HIGH = 0x0BC;
    static final int REG_CONFIG_GENERATION = 0x0FC;
    static final int REG_CONFIG = 0x100;

    private static final Logger LOG = LoggerFactory.getLogger(MmioTransport.class);

    /** One queue's registers as the driver wrote them. */
    private static final class QueueRegisters {
        int size;
        boolean ready;
        long desc;
        long driver;
        long device;

        void clear() {
            size = 0;
            ready = false;
            desc = 0;
            driver = 0;
            device = 0;
        }

        QueueLayout layout() {
            return new QueueLayout(size, desc, driver, device);
        }
    }

    private final String name;
    private final VirtioDevice device;
    private final GuestMemory memory;
    private final InterruptLine irq;
    private final QueueRegisters[] queues;
    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final AtomicBoolean needsReset = new AtomicBoolean();

    // Written under this object's lock; volatile where the lock-free signals read them.
    private volatile int status;
    private volatile int resets;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private int queueSel;
    private long driverFeatures;
    private int configGeneration;
    private boolean active;
    /** The queues handed to the device at activation (for a snapshot's indices). */
    private List<SplitQueue> activeQueues = List.of();

    /**
     * A transport for {@code device}, which it {@linkplain VirtioDevice#bind binds}.
     *
     * @param name how log lines name it, e.g. {@code "virtio-blk vda"}
     * @param irq the slot's interrupt line
     */
    public MmioTransport(String name, VirtioDevice device, GuestMemory memory, InterruptLine irq) {
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.irq = irq;
        int n = device.queueCount();
        this.queues = new QueueRegisters[n];
        for (int i = 0; i < n; i++) {
            int max = device.queueMaxSize(i);
            if (max <= 0 || max > SplitQueue.MAX_SIZE || (max & (max - 1)) != 0) {
                throw new IllegalArgumentException(name + ": queue " + i + " maximum size " + max
                        + " is not a power of two up to " + SplitQueue.MAX_SIZE);
            }
            queues[i] = new QueueRegisters();
        }
        device.bind(new Signals());
    }

    /** The device behind this transport. */
    public VirtioDevice device() {
        return device;
    }

    public String name() {
        return name;
    }

    @Override
    public long read(long offset, int size) {
        if (offset >= REG_CONFIG && offset + size <= SIZE) {
            synchronized (this) {
                return device.readConfig((int) offset - REG_CONFIG, size);
            }
        }
        // Registers are 32 bits wide and read whole (§4.2.2.2); anything else reads as 0.
        if (size != 4 || (offset & 3) != 0 || offset < 0 || offset >= REG_CONFIG) {
            return 0;
        }
        synchronized (this) {
            return readRegister((int) offset) & 0xFFFF_FFFFL;
        }
    }

    private int readRegister(int offset) {
        return switch (offset) {
            case REG_MAGIC -> MAGIC;
            case REG_VERSION -> VERSION;
            case REG_DEVICE_ID -> device.deviceType();
            case REG_VENDOR_ID -> VENDOR_ID;
            case REG_DEVICE_FEATURES -> featureWord(device.deviceFeatures(), deviceFeaturesSel);
            case REG_QUEUE_NUM_MAX -> selectedQueue() == null ? 0 : device.queueMaxSize(queueSel);
            case REG_QUEUE_READY -> selectedQueue() != null && selectedQueue().ready ? 1 : 0;
            case REG_INTERRUPT_STATUS -> interruptStatus.get();
            case REG_STATUS -> status | (needsReset.get() ? STATUS_DEVICE_NEEDS_RESET : 0);
            case REG_QUEUE_DESC_LOW -> selectedQueue() == null ? 0 : (int) selectedQueue().desc;
            case REG_QUEUE_DESC_HIGH -> selectedQueue() == null ? 0 : (int) (selectedQueue().desc >>> 32);
            case REG_QUEUE_DRIVER_LOW -> selectedQueue() == null ? 0 : (int) selectedQueue().driver;
            case REG_QUEUE_DRIVER_HIGH -> selectedQueue() == null ? 0 : (int) (selectedQueue().driver >>> 32);
            case REG_QUEUE_DEVICE_LOW -> selectedQueue() == null ? 0 : (int) selectedQueue().device;
            case REG_QUEUE_DEVICE_HIGH -> selectedQueue() == null ? 0 : (int) (selectedQueue().device >>> 32);
            // No shared memory regions: a region that does not exist has length -1 (§4.2.2).
            case REG_SHM_LEN_LOW, REG_SHM_LEN_HIGH, REG_SHM_BASE_LOW, REG_SHM_BASE_HIGH -> -1;
            case REG_CONFIG_GENERATION -> configGeneration;
            default -> 0;
        };
    }

    private static int featureWord(long features, int sel) {
        return switch (sel) {
            case 0 -> (int) features;
            case 1 -> (int) (features >>> 32);
            default -> 0;
        };
    }

    private QueueRegisters selectedQueue() {
        return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null;
    }

    /** The selected queue while the driver may still set it up, else null (writes are ignored). */
    private QueueRegisters configurableQueue() {
        QueueRegisters q = selectedQueue();
        return q == null || q.ready || active ? null : q;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= REG_CONFIG && offset + size <= SIZE) {
            synchronized (this) {
                device.writeConfig((int) offset - REG_CONFIG, size, value);
            }
            return;
        }
        if (size != 4 || (offset & 3) != 0 || offset < 0 || offset >= REG_CONFIG) {
            return;
        }
        if (offset == REG_QUEUE_NOTIFY) {
            notifyQueue((int) value);
            return;
        }
        synchronized (this) {
            writeRegister((int) offset, (int) value);
        }
    }

    private void writeRegister(int offset, int v) {
        switch (offset) {
            case REG_DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
            case REG_DRIVER_FEATURES -> {
                if ((status & STATUS_FEATURES_OK) == 0) {
                    if (driverFeaturesSel == 0) {
                        driverFeatures = (driverFeatures & 0xFFFF_FFFF_0000_0000L) | (v & 0xFFFF_FFFFL);
                    } else if (driverFeaturesSel == 1) {
                        driverFeatures = (driverFeatures & 0xFFFF_FFFFL) | ((long) v << 32);
                    }
                }
            }
            case REG_DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
            case REG_QUEUE_SEL -> queueSel = v;
            case REG_QUEUE_NUM -> {
                QueueRegisters q = configurableQueue();
                if (q != null) {
                    q.size = v;
                }
            }
            case REG_QUEUE_READY -> {
                // Clearing always sticks (Linux reads it back when it deletes a queue); setting
                // only before DRIVER_OK, since queues are checked and handed over then.
                QueueRegisters q = selectedQueue();
                if (q != null && ((v & 1) == 0 || !active)) {
                    q.ready = (v & 1) != 0;
                }
            }
            case REG_INTERRUPT_ACK -> interruptStatus.getAndUpdate(s -> s & ~v);
            case REG_STATUS -> writeStatus(v);
            case REG_QUEUE_DESC_LOW -> setAddress(v, false, Area.DESC);
            case REG_QUEUE_DESC_HIGH -> setAddress(v, true, Area.DESC);
            case REG_QUEUE_DRIVER_LOW -> setAddress(v, false, Area.DRIVER);
            case REG_QUEUE_DRIVER_HIGH -> setAddress(v, true, Area.DRIVER);
            case REG_QUEUE_DEVICE_LOW -> setAddress(v, false, Area.DEVICE);
            case REG_QUEUE_DEVICE_HIGH -> setAddress(v, true, Area.DEVICE);
            default -> { } // read-only or reserved: ignored
        }
    }

    private enum Area { DESC, DRIVER, DEVICE }

    private void setAddress(int v, boolean high, Area area) {
        QueueRegisters q = configurableQueue();
        if (q == null) {
            return;
        }
        long old = switch (area) {
            case DESC -> q.desc;
            case DRIVER -> q.driver;
            case DEVICE -> q.device;
        };
        long updated = high
                ? (old & 0xFFFF_FFFFL) | ((long) v << 32)
                : (old & 0xFFFF_FFFF_0000_0000L) | (v & 0xFFFF_FFFFL);
        switch (area) {
            case DESC -> q.desc = updated;
            case DRIVER -> q.driver = updated;
            case DEVICE -> q.device = updated;
        }
    }

    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int v = value & ~STATUS_DEVICE_NEEDS_RESET; // the device's bit, not the driver's
        int added = v & ~status;
        if ((added & STATUS_FEATURES_OK) != 0 && !featuresAcceptable()) {
            v &= ~STATUS_FEATURES_OK; // the driver reads Status back and sees the refusal
        }
        if ((added & STATUS_DRIVER_OK) != 0 && ((v & STATUS_FEATURES_OK) == 0 || active)) {
            v &= ~STATUS_DRIVER_OK;
        }
        status = v;
        if ((added & v & STATUS_DRIVER_OK) != 0) {
            activate();
        }
    }

    private boolean featuresAcceptable() {
        long offered = device.deviceFeatures();
        boolean ok = (driverFeatures & ~offered) == 0 && (driverFeatures & VirtioDevice.VIRTIO_F_VERSION_1) != 0;
        if (!ok) {
            LOG.debug("{}: refusing FEATURES_OK: driver features 0x{} against offered 0x{} (VERSION_1 required)",
                    name, Long.toHexString(driverFeatures), Long.toHexString(offered));
        }
        return ok;
    }

    private void activate() {
        List<SplitQueue> ready = new ArrayList<>(queues.length);
        try {
            for (int i = 0; i < queues.length; i++) {
                QueueRegisters q = queues[i];
                ready.add(q.ready
                        ? SplitQueue.create(memory, i, device.queueMaxSize(i), q.layout(), driverFeatures)
                        : SplitQueue.unready(memory, i));
            }
            device.activate(memory, ready, driverFeatures);
            activeQueues = ready;
            active = true;
        } catch (QueueException | GuestMemoryException e) {
            markFailed("activation failed: " + e.getMessage(), null);
        } catch (RuntimeException e) {
            markFailed("activation failed: " + e, e);
        }
    }

    private void reset() {
        device.reset();
        status = 0;
        resets++;
        driverFeatures = 0;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        queueSel = 0;
        for (QueueRegisters q : queues) {
            q.clear();
        }
        active = false;
        activeQueues = List.of();
        interruptStatus.set(0);
        needsReset.set(false);
    }

    /**
     * The transport's state for a snapshot: the driver's registers and, once it is running, where
     * each queue stands. The VM is paused: no notification is in progress.
     */
    public synchronized ObjectNode saveState() {
        ObjectNode out = State.object()
                .put("device_id", device.deviceType())
                .put("status", status)
                .put("driver_features", State.hex(driverFeatures))
                .put("device_features_sel", deviceFeaturesSel)
                .put("driver_features_sel", driverFeaturesSel)
                .put("queue_sel", queueSel)
                .put("config_generation", configGeneration)
                .put("interrupt_status", interruptStatus.get())
                .put("needs_reset", needsReset.get())
                .put("active", active);
        ArrayNode qs = out.putArray("queues");
        for (int i = 0; i < queues.length; i++) {
            QueueRegisters q = queues[i];
            ObjectNode n = qs.addObject()
                    .put("size", q.size)
                    .put("ready", q.ready)
                    .put("desc", State.hex(q.desc))
                    .put("driver", State.hex(q.driver))
                    .put("device", State.hex(q.device));
            if (active && i < activeQueues.size() && activeQueues.get(i).isReady()) {
                n.put("last_avail", activeQueues.get(i).lastAvail()).put("next_used", activeQueues.get(i).nextUsed());
            }
        }
        return out;
    }

    /**
     * Puts back what {@link #saveState} saved, into a transport no driver has touched, with the
     * guest's memory already restored: a running device gets its queues back where they stood.
     */
    public synchronized void restoreState(JsonNode in) throws StateException {
        String where = name;
        int type = State.integer(in, "device_id", where);
        if (type != device.deviceType()) {
            throw new StateException(where + ": the snapshot has a device of type " + type + " here, this VM one of type "
                    + device.deviceType());
        }
        JsonNode qs = State.field(in, "queues", where);
        if (!qs.isArray() || qs.size() != queues.length) {
            throw new StateException(where + ": the snapshot has " + qs.size() + " queues, the device " + queues.length);
        }
        int savedStatus = State.integer(in, "status", where);
        long features = State.hexLong(in, "driver_features", where);
        boolean wasActive = State.bool(in, "active", where);
        if ((features & ~device.deviceFeatures()) != 0) {
            throw new StateException(where + ": the snapshot's driver uses features 0x" + Long.toHexString(features)
                    + " that this device does not offer (0x" + Long.toHexString(device.deviceFeatures()) + ")");
        }
        if (wasActive != ((savedStatus & STATUS_DRIVER_OK) != 0)) {
            throw new StateException(where + ": damaged: status 0x" + Integer.toHexString(savedStatus)
                    + " does not agree with active=" + wasActive);
        }
        status = savedStatus;
        driverFeatures = features;
        deviceFeaturesSel = State.integer(in, "device_features_sel", where);
        driverFeaturesSel = State.integer(in, "driver_features_sel", where);
        queueSel = State.integer(in, "queue_sel", where);
        configGeneration = State.integer(in, "config_generation", where);
        interruptStatus.set(State.integer(in, "interrupt_status", where));
        needsReset.set(State.bool(in, "needs_reset", where));
        for (int i = 0; i < queues.length; i++) {
            JsonNode q = qs.get(i);
            String qw = where + " queue " + i;
            queues[i].size = State.integer(q, "size", qw);
            queues[i].ready = State.bool(q, "ready", qw);
            queues[i].desc = State.hexLong(q, "desc", qw);
            queues[i].driver = State.hexLong(q, "driver", qw);
            queues[i].device = State.hexLong(q, "device", qw);
        }
        if (!wasActive) {
            return;
        }
        List<SplitQueue> ready = new ArrayList<>(queues.length);
        try {
            for (int i = 0; i < queues.length; i++) {
                QueueRegisters q = queues[i];
                if (!q.ready) {
                    ready.add(SplitQueue.unready(memory, i));
                    continue;
                }
                SplitQueue sq = SplitQueue.create(memory, i, device.queueMaxSize(i), q.layout(), driverFeatures);
                JsonNode saved = qs.get(i);
                String qw = where + " queue " + i;
                sq.restoreIndices(State.integer(saved, "last_avail", qw), State.integer(saved, "next_used", qw));
                ready.add(sq);
            }
            device.activate(memory, ready, driverFeatures);
        } catch (QueueException e) {
            throw new StateException(where + ": " + e.getMessage(), e);
        }
        activeQueues = ready;
        active = true;
    }

    private void notifyQueue(int index) {
        int epoch;
        synchronized (this) {
            if (!active || needsReset.get()) {
                return;
            }
            epoch = resets;
        }
        try {
            device.queueNotify(index);
        } catch (QueueException | GuestMemoryException e) {
            failUnlessReset(epoch, e.getMessage(), null);
        } catch (RuntimeException e) {
            failUnlessReset(epoch, "notification of queue " + index + " failed: " + e, e);
        }
    }

    /** Fails the device, unless the driver reset it since the notification began. */
    private synchronized void failUnlessReset(int epoch, String reason, Throwable bug) {
        if (resets == epoch) {
            markFailed(reason, bug);
        }
    }

    /** DEVICE_NEEDS_RESET, once: {@code bug} is set where altovirt, not the guest, is at fault. */
    private void markFailed(String reason, Throwable bug) {
        if (!needsReset.compareAndSet(false, true)) {
            return;
        }
        if (bug != null) {
            LOG.error("{}: {}; the device needs a reset", name, reason, bug);
        } else {
            LOG.warn("{}: {}; the device needs a reset", name, reason);
        }
        if ((status & STATUS_DRIVER_OK) != 0) {
            raise(INTERRUPT_CONFIG_CHANGE);
        }
    }

    private void raise(int bit) {
        interruptStatus.getAndUpdate(s -> s | bit);
        irq.trigger();
    }

    @Override
    public String toString() {
        return "MmioTransport[" + name + "]";
    }

    /** The device's way back to the driver. */
    private final class Signals implements DeviceSignals {
        @Override
        public void usedBuffers() {
            raise(INTERRUPT_USED_BUFFER);
        }

        @Override
        public void changeConfig(Runnable change) {
            synchronized (MmioTransport.this) {
                change.run();
                configGeneration++;
                // Before DRIVER_OK the driver reads the configuration when it gets there.
                if ((status & STATUS_DRIVER_OK) != 0) {
                    raise(INTERRUPT_CONFIG_CHANGE);
                }
            }
        }

        @Override
        public void failed(String reason) {
            markFailed(reason, null);
        }
    }
}
