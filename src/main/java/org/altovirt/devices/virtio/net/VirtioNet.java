package org.altovirt.devices.virtio.net;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import org.altovirt.devices.net.Tap;
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
 * A virtio-net device (id 1, virtio 1.x §5.1) in one of the two NIC slots that exist from boot
 * (docs/facts.md §3; docs/managing-vms.md: addr 0x0 is eth0). Without a backend its link is down
 * (VIRTIO_NET_F_STATUS, status 0): frames the guest sends are dropped, as a NIC without a cable
 * would, and none arrive. {@link #attach} puts a {@link Tap} behind it: the link comes up (a
 * configuration change), frames the guest sends go to the tap, and a thread of the device's
 * delivers the tap's frames into the guest's receive buffers, keeping up to {@value #BACKLOG}
 * while the guest has none posted (then dropping the oldest, as a full NIC would).
 *
 * <p>Every buffer carries the 12-byte {@code virtio_net_hdr} of VERSION_1 devices first; no
 * offloads are offered, so the device writes it as zeros and ignores the guest's.
 */
public final class VirtioNet implements VirtioDevice {
    /** virtio device id of a network card. */
    public static final int DEVICE_TYPE = 1;
    /** Queue size of the receive and transmit queues. */
    public static final int QUEUE_SIZE = 256;
    static final long F_MAC = 1L << 5;
    static final long F_STATUS = 1L << 16;
    static final int LINK_UP = 1;
    /** {@code struct virtio_net_hdr_v1}: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
    static final int HEADER = 12;
    static final int RX = 0;
    static final int TX = 1;
    static final int BACKLOG = 256;
    private static final int CONFIG_SIZE = 8;
    private static final Logger LOG = LoggerFactory.getLogger(VirtioNet.class);

    private final String name;
    private volatile byte[] mac;
    private volatile Tap tap;
    private Thread receiver;
    private DeviceSignals signals = DeviceSignals.NONE;
    // Guarded by this.
    private GuestMemory memory;
    private SplitQueue rx;
    private SplitQueue tx;
    private final ArrayDeque<byte[]> backlog = new ArrayDeque<>();
    private long dropped;
    /** While the VM is paused, frames wait in the backlog: guest memory must not change. */
    private boolean quiesced;

    /**
     * @param name how log lines name it ("eth0")
     * @param mac the six bytes of the card's MAC address
     */
    public VirtioNet(String name, byte[] mac) {
        this.name = name;
        this.mac = checkedMac(mac);
    }

    private static byte[] checkedMac(byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + mac.length);
        }
        return mac.clone();
    }

    /** The MAC address StratoVirt-like slots get when none is given: 52:54:00:12:34:(56 + slot). */
    public static byte[] defaultMac(int slot) {
        return new byte[] {0x52, 0x54, 0x00, 0x12, 0x34, (byte) (0x56 + slot)};
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff}. */
    public static byte[] parseMac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address '" + text + "': six hex bytes separated by ':' expected");
        }
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    /** The card's MAC address as {@code aa:bb:cc:dd:ee:ff}. */
    public String macText() {
        byte[] m = mac;
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
    }

    /** The tap behind the card, if any. */
    public Optional<Tap> backend() {
        return Optional.ofNullable(tap);
    }

    /**
     * Connects {@code backend} (the device takes it over) with {@code mac} (null: keep the
     * slot's): the link comes up for the driver, and frames start to flow.
     */
    public void attach(Tap backend, byte[] newMac) {
        byte[] m = newMac == null ? mac : checkedMac(newMac);
        synchronized (this) {
            if (tap != null) {
                throw new IllegalStateException(name + " has a backend already: " + tap);
            }
            backlog.clear();
            receiver = new Thread(() -> receive(backend), "virtio-net " + name + " rx");
            receiver.setDaemon(true);
        }
        signals.changeConfig(() -> {
            mac = m;
            tap = backend;
        });
        receiver.start();
    }

    /** Takes the backend away (link down) and closes it; false when there was none. */
    public boolean detach() {
        Tap old = take();
        if (old == null) {
            return false;
        }
        old.close();
        return true;
    }

    /** Takes the backend away (link down) and hands it over, open; null when there was none. */
    public Tap take() {
        Tap old = tap;
        if (old == null) {
            return null;
        }
        signals.changeConfig(() -> tap = null);
        Thread t;
        synchronized (this) {
            t = receiver;
            receiver = null;
            backlog.clear();
        }
        if (t != null) {
            boolean interrupted = false;
            while (t.isAlive()) { // it sees the backend gone within a poll timeout; its fd stays open until then
                try {
                    t.join(1000);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return old;
    }

    /** Frames from the tap into the guest, until the backend changes. */
    private void receive(Tap from) {
        byte[] frame = new byte[Tap.MAX_FRAME];
        while (tap == from) {
            if (!from.awaitReadable(100)) {
                continue;
            }
            int n;
            try {
                n = from.read(frame);
            } catch (NativeException e) {
                if (tap == from) {
                    LOG.warn("{}: {}; no more frames reach the guest", name, e.getMessage());
                }
                return;
            }
            if (n > 0 && tap == from) {
                try {
                    deliver(java.util.Arrays.copyOf(frame, n));
                } catch (RuntimeException e) {
                    LOG.error("{}: receiving failed; no more frames reach the guest", name, e);
                    return;
                }
            }
        }
    }

    private synchronized void deliver(byte[] frame) {
        if (backlog.size() >= BACKLOG) {
            backlog.removeFirst();
            dropped++;
        }
        backlog.addLast(frame);
        try {
            flushBacklog();
        } catch (QueueException e) {
            signals.failed(e.getMessage());
        }
    }

    /**
     * While quiesced (the VM is paused, or a snapshot is being written) no frame reaches guest
     * memory: they wait in the backlog, and go in when the VM goes on.
     */
    public synchronized void quiesce(boolean on) {
        quiesced = on;
        if (!on) {
            try {
                flushBacklog();
            } catch (QueueException e) {
                signals.failed(e.getMessage());
            }
        }
    }

    /** Puts waiting frames into posted receive buffers, as many as there are. */
    private void flushBacklog() throws QueueException {
        if (quiesced || rx == null || !rx.isReady() || memory == null) {
            return;
        }
        boolean any = false;
        while (!backlog.isEmpty()) {
            Optional<DescriptorChain> c = rx.pop();
            if (c.isEmpty()) {
                break;
            }
            byte[] frame = backlog.removeFirst();
            GuestBuffers into = c.get().writable();
            long written = 0;
            if (into.length() >= HEADER + frame.length) {
                byte[] packet = new byte[HEADER + frame.length];
                packet[10] = 1; // num_buffers
                System.arraycopy(frame, 0, packet, HEADER, frame.length);
                into.slice(0, packet.length).write(memory, packet);
                written = packet.length;
            } else {
                dropped++; // a buffer too small for the frame: the frame is lost, the buffer returned empty
            }
            rx.addUsed(c.get().head(), written);
            any = true;
        }
        if (any && rx.needsInterrupt()) {
            signals.usedBuffers();
        }
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
        byte[] m = mac;
        for (int i = 0; i < 6; i++) {
            config.putByte(i, m[i]);
        }
        config.putShort(6, tap != null ? LINK_UP : 0);
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
    public synchronized void activate(GuestMemory memory, List<SplitQueue> queues, long features) throws QueueException {
        this.memory = memory;
        this.rx = queues.get(RX);
        this.tx = queues.get(TX);
        flushBacklog();
    }

    /** Receive buffers posted: frames waiting go in. Transmitted frames go to the tap, or nowhere. */
    @Override
    public synchronized void queueNotify(int index) throws QueueException {
        if (index == RX) {
            flushBacklog();
            return;
        }
        if (index != TX || tx == null || !tx.isReady()) {
            return;
        }
        boolean any = false;
        for (Optional<DescriptorChain> c = tx.pop(); c.isPresent(); c = tx.pop()) {
            GuestBuffers out = c.get().readable();
            Tap to = tap;
            if (to != null && out.length() > HEADER && out.length() - HEADER <= Tap.MAX_FRAME) {
                byte[] packet = new byte[(int) out.length()];
                out.read(memory, packet);
                byte[] frame = java.util.Arrays.copyOfRange(packet, HEADER, packet.length);
                try {
                    to.write(frame, frame.length);
                } catch (NativeException e) {
                    dropped++;
                    LOG.debug("{}: a frame was not sent: {}", name, e.getMessage());
                }
            }
            tx.addUsed(c.get().head(), 0);
            any = true;
        }
        if (any && tx.needsInterrupt()) {
            signals.usedBuffers();
        }
    }

    @Override
    public synchronized void reset() {
        rx = null;
        tx = null;
        memory = null;
    }

    /** Frames lost: no room in the backlog, a buffer too small, or a failed write to the tap. */
    public synchronized long dropped() {
        return dropped;
    }
}
