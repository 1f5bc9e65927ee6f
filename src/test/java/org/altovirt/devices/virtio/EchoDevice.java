package org.altovirt.devices.virtio;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.altovirt.memory.GuestMemory;

/**
 * A test device: two queues (max 16 and 8); each chain on a notified queue is returned with its
 * device-writable length as written; an 8-byte configuration space holds {@link #configValue}.
 */
final class EchoDevice implements VirtioDevice {
    static final int TYPE = 42;
    static final long FEATURES = VIRTIO_F_VERSION_1 | VIRTIO_F_INDIRECT_DESC | 1;

    DeviceSignals signals;
    List<SplitQueue> queues;
    long activatedFeatures = -1;
    int resets;
    final List<DescriptorChain> served = new ArrayList<>();
    volatile long configValue = 0x1122_3344_5566_7788L;
    boolean refuseActivation;

    @Override
    public int deviceType() {
        return TYPE;
    }

    @Override
    public long deviceFeatures() {
        return FEATURES;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize(int index) {
        return index == 0 ? 16 : 8;
    }

    @Override
    public long readConfig(int offset, int size) {
        return new ConfigSpace(8).putLong(0, configValue).read(offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {}

    @Override
    public void bind(DeviceSignals signals) {
        this.signals = signals;
    }

    @Override
    public synchronized void activate(GuestMemory memory, List<SplitQueue> queues, long features)
            throws QueueException {
        if (refuseActivation) {
            throw new QueueException("echo: refused");
        }
        this.queues = queues;
        this.activatedFeatures = features;
    }

    @Override
    public synchronized void queueNotify(int index) throws QueueException {
        if (queues == null || index < 0 || index >= queues.size()) {
            return;
        }
        SplitQueue q = queues.get(index);
        boolean any = false;
        for (Optional<DescriptorChain> c = q.pop(); c.isPresent(); c = q.pop()) {
            served.add(c.get());
            q.addUsed(c.get().head(), c.get().writable().length());
            any = true;
        }
        if (any && q.needsInterrupt()) {
            signals.usedBuffers();
        }
    }

    @Override
    public synchronized void reset() {
        queues = null;
        resets++;
    }
}
