package org.altovirt.devices.virtio.block;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.altovirt.devices.virtio.ConfigSpace;
import org.altovirt.devices.virtio.DescriptorChain;
import org.altovirt.devices.virtio.DeviceSignals;
import org.altovirt.devices.virtio.QueueException;
import org.altovirt.devices.virtio.SplitQueue;
import org.altovirt.devices.virtio.VirtioDevice;
import org.altovirt.memory.GuestMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-blk device (virtio 1.x §5.2, device ID 2) with one request queue. Serves IN, OUT,
 * FLUSH and GET_ID; other request types are answered UNSUPP. A slot may be empty: then the disk
 * has capacity 0 and every request fails with IOERR, until a backend is {@linkplain #attach
 * attached} (hot-plug), which updates the configuration and tells the driver.
 *
 * <p>Requests run on the notifying vCPU's thread, one at a time.
 */
public final class VirtioBlock implements VirtioDevice, AutoCloseable {
    /** virtio device ID of a block device. */
    public static final int DEVICE_TYPE = 2;
    /** Size of the request queue (StratoVirt's default). */
    public static final int QUEUE_SIZE = 256;
    /** virtio-blk sectors are 512 bytes whatever the disk's block size. */
    public static final int SECTOR_SIZE = 512;
    /** Length of a GET_ID answer. */
    public static final int ID_BYTES = 20;

    static final long F_SEG_MAX = 1L << 2;
    static final long F_RO = 1L << 5;
    static final long F_FLUSH = 1L << 9;

    static final int S_OK = 0;
    static final int S_IOERR = 1;
    static final int S_UNSUPP = 2;

    /** Configuration space: capacity u64 @0, size_max u32 @8, seg_max u32 @12, ... up to 60 bytes. */
    private static final int CONFIG_SIZE = 60;
    /** Segments per request: the queue less the header and status descriptors (as QEMU). */
    private static final int SEG_MAX = QUEUE_SIZE - 2;

    private static final Logger LOG = LoggerFactory.getLogger(VirtioBlock.class);

    /** The disk in the slot, and the 20 bytes GET_ID answers. */
    private record Disk(BlockBackend backend, byte[] id) {}

    private final Object io = new Object();
    private volatile Disk disk;
    private volatile DeviceSignals signals = DeviceSignals.NONE;
    private boolean bound;
    // Guarded by io.
    private GuestMemory memory;
    private SplitQueue queue;

    /** An empty slot: capacity 0 until a disk is attached. */
    public VirtioBlock() {}

    /** A disk from its parts ({@code -drive file=,readonly=,direct=,serial=,id=}). */
    public static VirtioBlock open(Path file, boolean readOnly, boolean direct, String diskId) throws IOException {
        VirtioBlock block = new VirtioBlock();
        block.attach(RawFile.open(file, readOnly, direct), diskId);
        return block;
    }

    /**
     * Puts {@code backend} in the slot and tells the driver (ConfigGeneration and a
     * configuration-change interrupt). Takes ownership of the backend.
     *
     * @param diskId what GET_ID answers: the drive's serial, or its id when it has none; the
     *     first 20 bytes of its UTF-8 form
     * @throws IllegalStateException when the slot already holds a disk
     */
    public void attach(BlockBackend backend, String diskId) {
        Objects.requireNonNull(backend, "backend");
        byte[] id = Arrays.copyOf(diskId == null ? new byte[0] : diskId.getBytes(StandardCharsets.UTF_8), ID_BYTES);
        Disk next = new Disk(backend, id);
        boolean[] done = {false};
        signals.changeConfig(() -> {
            if (disk == null) {
                disk = next;
                done[0] = true;
            }
        });
        if (!done[0]) {
            throw new IllegalStateException("the slot already holds disk " + disk.backend());
        }
    }

    /** Empties the slot like {@link #detach} but hands the backend over, open (null when empty). */
    public BlockBackend take() {
        Disk[] old = {null};
        signals.changeConfig(() -> {
            old[0] = disk;
            disk = null;
        });
        if (old[0] == null) {
            return null;
        }
        synchronized (io) { // no request in flight uses it any more
            return old[0].backend();
        }
    }

    /** Empties the slot (capacity 0, the driver is told) and closes the backend; false when empty already. */
    public boolean detach() {
        BlockBackend old = take();
        if (old == null) {
            return false;
        }
        old.close();
        return true;
    }

    /** The backend in the slot, if any. */
    public Optional<BlockBackend> backend() {
        Disk d = disk;
        return d == null ? Optional.empty() : Optional.of(d.backend());
    }

    /** Capacity in 512-byte sectors; 0 for an empty slot. */
    public long capacitySectors() {
        Disk d = disk;
        return d == null ? 0 : d.backend().sizeBytes() / SECTOR_SIZE;
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        Disk d = disk;
        long ro = d != null && d.backend().readOnly() ? F_RO : 0;
        return VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | F_SEG_MAX | F_FLUSH | ro;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return new ConfigSpace(CONFIG_SIZE)
                .putLong(0, capacitySectors())
                .putInt(12, SEG_MAX)
                .read(offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // Only "writeback" is writable, and only with VIRTIO_BLK_F_CONFIG_WCE, not offered.
    }

    @Override
    public synchronized void bind(DeviceSignals signals) {
        if (bound) {
            throw new IllegalStateException("virtio-blk device is already on a transport");
        }
        bound = true;
        this.signals = signals;
    }

    @Override
    public void activate(GuestMemory memory, List<SplitQueue> queues, long features) throws QueueException {
        SplitQueue q = queues.get(0);
        if (!q.isReady()) {
            throw new QueueException("virtio-blk: the driver did not set up request queue 0");
        }
        synchronized (io) {
            this.memory = memory;
            this.queue = q;
        }
    }

    @Override
    public void queueNotify(int index) throws QueueException {
        synchronized (io) {
            if (queue == null || index != 0) {
                return;
            }
            boolean completed = false;
            for (Optional<DescriptorChain> c = queue.pop(); c.isPresent(); c = queue.pop()) {
                long written = serve(c.get());
                queue.addUsed(c.get().head(), written);
                completed = true;
            }
            if (completed && queue.needsInterrupt()) {
                signals.usedBuffers();
            }
        }
    }

    /** Serves one request; returns the bytes written into its device-writable buffers. */
    private long serve(DescriptorChain chain) throws QueueException {
        BlockRequest r = BlockRequest.parse(memory, chain);
        Disk d = disk;
        int status;
        long written = 0;
        if (d == null) {
            status = S_IOERR;
        } else {
            switch (r.type()) {
                case BlockRequest.T_IN -> {
                    status = transfer(d.backend(), r, false);
                    written = status == S_OK ? r.data().length() : 0;
                }
                case BlockRequest.T_OUT -> status = d.backend().readOnly() ? S_IOERR : transfer(d.backend(), r, true);
                case BlockRequest.T_FLUSH -> status = flush(d.backend());
                case BlockRequest.T_GET_ID -> {
                    int n = (int) Math.min(ID_BYTES, r.data().length());
                    r.data().write(memory, Arrays.copyOf(d.id(), n));
                    written = n;
                    status = S_OK;
                }
                default -> status = S_UNSUPP;
            }
        }
        memory.writeByte(r.statusAddress(), (byte) status);
        return written + 1;
    }

    private int transfer(BlockBackend backend, BlockRequest r, boolean write) {
        long len = r.data().length();
        long sectors = backend.sizeBytes() / SECTOR_SIZE;
        // The sector is unsigned: a "negative" one is beyond any disk.
        if (len % SECTOR_SIZE != 0 || r.sector() < 0 || r.sector() > sectors || len / SECTOR_SIZE > sectors - r.sector()) {
            LOG.debug("virtio-blk: {} of {} bytes at sector {} refused: the disk has {} sectors",
                    write ? "write" : "read", len, Long.toUnsignedString(r.sector()), sectors);
            return S_IOERR;
        }
        try {
            if (write) {
                backend.write(r.sector() * SECTOR_SIZE, memory, r.data());
            } else {
                backend.read(r.sector() * SECTOR_SIZE, memory, r.data());
            }
            return S_OK;
        } catch (IOException e) {
            LOG.warn("virtio-blk: {} of {} bytes at sector {} failed: {}",
                    write ? "write" : "read", len, r.sector(), e.getMessage());
            return S_IOERR;
        }
    }

    private static int flush(BlockBackend backend) {
        if (backend.readOnly()) {
            return S_OK;
        }
        try {
            backend.flush();
            return S_OK;
        } catch (IOException e) {
            LOG.warn("virtio-blk: flush failed: {}", e.getMessage());
            return S_IOERR;
        }
    }

    @Override
    public void reset() {
        synchronized (io) {
            queue = null;
            memory = null;
        }
    }

    /** Closes the backend, if any. */
    @Override
    public void close() {
        Disk d = disk;
        disk = null;
        if (d != null) {
            synchronized (io) {
                d.backend().close();
            }
        }
    }
}
