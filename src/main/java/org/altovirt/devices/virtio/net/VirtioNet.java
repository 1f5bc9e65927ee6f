package org.altovirt.devices.virtio.net;

import java.util.List;
import java.util.Optional;
import org.altovirt.devices.virtio.ConfigSpace;
import org.altovirt.devices.virtio.DescriptorChain;
import org.altovirt.devices.virtio.DeviceSignals;
import org.altovirt.devices.virtio.QueueException;
import org.altovirt.devices.virtio.SplitQueue;
import org.altovirt.devices.virtio.VirtioDevice;
import org.altovirt.memory.GuestMemory;

/**
 * A virtio-net device (id 1) with no backend yet: one of the two NIC slots that exist from boot
 * for hot-plug (facts.md §3; managing-vms.md: "eth0 first and then eth1"). Its link is down
 * (VIRTIO_NET_F_STATUS, status 0): frames the guest sends are taken and dropped, as a NIC with
 * no cable would, and none arrive. A tap backend comes with NIC hot-plug.
 */
public final class VirtioNet implements VirtioDevice {
    /** virtio device id of a network card. */
    public static final int DEVICE_TYPE = 1;
    /** Queue size of the receive and transmit queues. */
    public static final int QUEUE_SIZE = 256;
    static final long F_MAC = 1L << 5;
    static final long F_STATUS = 1L << 16;
    private static final int TX = 1;
    private static final int CONFIG_SIZE = 8;

    private final byte[] mac;
    private SplitQueue tx;
    private DeviceSignals signals = DeviceSignals.NONE;

    /** @param mac the six bytes of the card's MAC address */
    public VirtioNet(byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        this.mac = mac.clone();
    }

    /** The MAC address StratoVirt-like slots get when none is given: 52:54:00:12:34:(56 + slot). */
    public static byte[] defaultMac(int slot) {
        return new byte[] {0x52, 0x54, 0x00, 0x12, 0x34, (byte) (0x56 + slot)};
    }

    @Override
    public int deviceType() {
        return DEVICE_TYPE;
    }

    @Override
    public long deviceFeatures() {
        return VIRTIO_F_VERSION_1 | F_MAC | F_STATUS;
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
        ConfigSpace config = new ConfigSpace(CONFIG_SIZE);
        for (int i = 0; i < 6; i++) {
            config.putByte(i, mac[i]);
        }
        config.putShort(6, 0); // VIRTIO_NET_S_LINK_UP clear: no backend
        return config.read(offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // The MAC is read-only without VIRTIO_NET_F_CTRL_MAC_ADDR, which is not offered.
    }

    @Override
    public synchronized void bind(DeviceSignals signals) {
        this.signals = signals;
    }

    @Override
    public synchronized void activate(GuestMemory memory, List<SplitQueue> queues, long features) {
        this.tx = queues.get(TX);
    }

    /** Transmitted frames are consumed and dropped: the link is down. */
    @Override
    public synchronized void queueNotify(int index) throws QueueException {
        if (index != TX || tx == null || !tx.isReady()) {
            return;
        }
        boolean any = false;
        for (Optional<DescriptorChain> c = tx.pop(); c.isPresent(); c = tx.pop()) {
            tx.addUsed(c.get().head(), 0);
            any = true;
        }
        if (any && tx.needsInterrupt()) {
            signals.usedBuffers();
        }
    }

    @Override
    public synchronized void reset() {
        tx = null;
    }
}
