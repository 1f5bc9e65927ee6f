package org.altovirt.devices.virtio.balloon;

import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.altovirt.devices.virtio.ConfigSpace;
import org.altovirt.devices.virtio.DescriptorChain;
import org.altovirt.devices.virtio.DeviceSignals;
import org.altovirt.devices.virtio.GuestBuffers;
import org.altovirt.devices.virtio.QueueException;
import org.altovirt.devices.virtio.SplitQueue;
import org.altovirt.devices.virtio.VirtioDevice;
import org.altovirt.memory.GuestMemory;
import org.altovirt.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-balloon device (id 5, virtio 1.x §5.5; docs/facts.md §6). The host sets a target with
 * {@link #setTarget} (QMP {@code balloon}): the configuration's {@code num_pages} becomes the
 * number of 4 KiB pages the guest should hand over. The guest lists the pages it gives on the
 * inflate queue, and the device returns them to the host ({@code madvise(MADV_DONTNEED)}: they
 * read as zeros when the guest touches them again); pages listed on the deflate queue simply go
 * back into use. The guest reports how many pages it holds in {@code actual}; each change calls
 * the listener with the guest's memory size (QMP's BALLOON_CHANGED).
 *
 * <p>Page numbers are guest input: one outside RAM is skipped (and logged once); a malformed
 * buffer (not whole u32s, or device-writable) breaks the driver's contract and puts the device in
 * DEVICE_NEEDS_RESET.
 */
public final class VirtioBalloon implements VirtioDevice {
    /** virtio device id of a memory balloon. */
    public static final int DEVICE_TYPE = 5;
    /** Queue size of the inflate and deflate queues. */
    public static final int QUEUE_SIZE = 256;
    /** The balloon's unit: 4 KiB, whatever the guest's page size. */
    public static final long PAGE_SIZE = 4096;
    static final long F_DEFLATE_ON_OOM = 1L << 2;
    static final int INFLATE = 0;
    static final int DEFLATE = 1;
    private static final int CONFIG_SIZE = 8;
    private static final Logger LOG = LoggerFactory.getLogger(VirtioBalloon.class);
    /** One daemon thread for BALLOON_CHANGED, in the order the guest reported. */
    private static final java.util.concurrent.Executor NOTIFIER = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "balloon-events");
        t.setDaemon(true);
        return t;
    });

    private final long ramBytes;
    private final boolean deflateOnOom;
    private final LongConsumer actualChanged;
    private volatile DeviceSignals signals = DeviceSignals.NONE;
    /** Pages the host asks for (config num_pages). */
    private volatile int numPages;
    /** Pages the guest says it holds (config actual). */
    private volatile int actual;
    private volatile boolean active;
    private boolean warnedOutside;
    // Guarded by this.
    private GuestMemory memory;
    private List<SplitQueue> queues;

    /**
     * @param ramBytes the guest's configured memory, which a target cannot exceed
     * @param actualChanged called with the guest's memory size (RAM less the balloon) whenever
     *     the guest reports a new {@code actual}
     */
    public VirtioBalloon(long ramBytes, boolean deflateOnOom, LongConsumer actualChanged) {
        this.ramBytes = ramBytes;
        this.deflateOnOom = deflateOnOom;
        this.actualChanged = actualChanged;
    }

    /** Whether a guest driver has started the device (DRIVER_OK, not reset since). */
    public boolean active() {
        return active;
    }

    /**
     * The host's target for the guest's memory: {@code bytes}, at most the configured RAM (as
     * the document says), rounded down to whole pages. The guest is told through a
     * configuration change.
     */
    public void setTarget(long bytes) {
        long target = Math.max(0, Math.min(bytes, ramBytes));
        long pages = (ramBytes - target + PAGE_SIZE - 1) / PAGE_SIZE;
        int n = (int) Math.min(pages, Integer.MAX_VALUE);
        signals.changeConfig(() -> numPages = n);
    }

    /** The guest's memory as it reports it: the configured RAM less the pages in the balloon. */
    public long actualBytes() {
        return ramBytes - actual * PAGE_SIZE;
    }

    /** The target the host set, in pages (config num_pages). */
    public int targetPages() {
        return numPages;
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VIRTIO_F_VERSION_1 | (deflateOnOom ? F_DEFLATE_ON_OOM : 0);
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public long readConfig(int offset, int size) {
        return new ConfigSpace(CONFIG_SIZE).putInt(0, numPages).putInt(4, actual).read(offset, size);
    }

    /** The guest writes {@code actual} (bytes 4..7); num_pages is the host's. */
    @Override
    public void writeConfig(int offset, int size, long value) {
        if (offset != 4 || size != 4) {
            return;
        }
        // Guest input: at most the pages RAM has (a u32 the guest could set to anything).
        int pages = (int) Math.min(value & 0xFFFF_FFFFL, ramBytes / PAGE_SIZE);
        if (pages == actual) {
            return;
        }
        actual = pages;
        long bytes = actualBytes();
        // Not on this vCPU thread under the transport's lock: the event may wait for the QMP client.
        NOTIFIER.execute(() -> actualChanged.accept(bytes));
    }

    @Override
    public void bind(DeviceSignals signals) {
        this.signals = signals;
    }

    @Override
    public synchronized void activate(GuestMemory memory, List<SplitQueue> queues, long features) throws QueueException {
        this.memory = memory;
        this.queues = queues;
        active = true;
    }

    @Override
    public synchronized void queueNotify(int index) throws QueueException {
        if (queues == null || index > DEFLATE) {
            return;
        }
        SplitQueue q = queues.get(index);
        if (!q.isReady()) {
            return;
        }
        boolean any = false;
        for (Optional<DescriptorChain> c = q.pop(); c.isPresent(); c = q.pop()) {
            DescriptorChain chain = c.get();
            if (!chain.writable().parts().isEmpty()) {
                throw new QueueException("balloon: a page list must be device-readable only");
            }
            GuestBuffers list = chain.readable();
            if (list.length() % 4 != 0) {
                throw new QueueException("balloon: a page list of " + list.length() + " bytes is not whole u32 page numbers");
            }
            if (index == INFLATE) {
                release(list);
            } // deflate: the pages are the guest's again as soon as it touches them
            q.addUsed(chain.head(), 0);
            any = true;
        }
        if (any && q.needsInterrupt()) {
            signals.usedBuffers();
        }
    }

    /** Returns the listed pages to the host. */
    private void release(GuestBuffers list) {
        byte[] raw = new byte[(int) Math.min(list.length(), 1 << 20)];
        list.read(memory, raw);
        for (int i = 0; i + 4 <= raw.length; i += 4) {
            long pfn = (raw[i] & 0xFFL) | (raw[i + 1] & 0xFFL) << 8 | (raw[i + 2] & 0xFFL) << 16 | (raw[i + 3] & 0xFFL) << 24;
            long gpa = pfn * PAGE_SIZE;
            if (!memory.contains(gpa, PAGE_SIZE)) {
                if (!warnedOutside) {
                    warnedOutside = true;
                    LOG.warn("balloon: the guest gave page 0x{} (at 0x{}), which is not RAM; skipped (said once)",
                            Long.toHexString(pfn), Long.toHexString(gpa));
                }
                continue;
            }
            try {
                memory.discard(gpa, PAGE_SIZE);
            } catch (NativeException e) {
                LOG.warn("balloon: could not release the page at 0x{}: {}", Long.toHexString(gpa), e.getMessage());
            }
        }
    }

    @Override
    public synchronized void reset() {
        queues = null;
        memory = null;
        active = false;
    }
}
