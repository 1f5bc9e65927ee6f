package org.altovirt.machine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.altovirt.devices.virtio.block.BlockBackend;
import org.altovirt.devices.virtio.block.RawFile;
import org.altovirt.devices.virtio.block.VirtioBlock;
import org.altovirt.sys.LibC;
import org.altovirt.sys.NativeException;

/**
 * The six virtio-blk slots and what hot-plug does with them (docs/managing-vms.md, "Hot-Pluggable
 * Disks"): {@code blockdev-add} opens an image under a node name; {@code device_add} puts it in
 * a slot (0x0 is vda; {@code lun} N is slot N+1), which the guest sees as a configuration change;
 * {@code device_del} empties the slot and closes the image. Disks of the command line are in their
 * slots from boot, under their {@code -device} ids, and can be unplugged the same way.
 */
final class DiskSlots implements AutoCloseable {
    /** An image opened by blockdev-add, waiting for device_add. */
    private record Pending(BlockBackend backend, Path realPath, boolean readOnly) {}

    /** What is in a slot. */
    private record Plugged(String id, String node, Path realPath, boolean readOnly, String serial) {}

    /** A slot's image as a snapshot records it. */
    record Slot(Path image, boolean readOnly) {}

    /** Each slot's image, or null for an empty slot, in slot order. */
    synchronized List<Slot> contents() {
        List<Slot> out = new ArrayList<>(plugged.size());
        for (int i = 0; i < plugged.size(); i++) {
            Plugged p = plugged.get(i);
            out.add(p == null ? null : new Slot(p.realPath(), p.readOnly()));
        }
        return out;
    }

    private final List<VirtioBlock> slots;
    private final SlotTable<Plugged> plugged;
    private final Map<String, Pending> pending = new LinkedHashMap<>();

    /**
     * @param slots the slots' devices, in slot order
     */
    DiskSlots(List<VirtioBlock> slots) {
        this.slots = List.copyOf(slots);
        this.plugged = new SlotTable<>(slots.size(), Plugged::id, DiskSlots::diskName, "disk", "virtio-blk disks");
    }

    /** Records a disk the command line put in {@code slot}. */
    synchronized void pluggedAtBoot(int slot, String id, String node, Path file, boolean readOnly, String serial) {
        plugged.set(slot, new Plugged(id, node, realPath(file), readOnly, serial));
    }

    int count() {
        return slots.size();
    }

    /** {@code blockdev-add}: opens the image; it waits under {@code node} for device_add. */
    synchronized void addBackend(String node, Path file, boolean readOnly, boolean direct) throws HotplugException {
        if (pending.containsKey(node) || nodeInSlot(node) >= 0) {
            throw new HotplugException("Duplicate nodes with node-name='" + node + "'");
        }
        Path real = realPath(file);
        String user = userOf(real);
        if (user != null) {
            throw new HotplugException("Could not open '" + file + "': the image is already in use by " + user);
        }
        BlockBackend backend;
        try {
            backend = RawFile.open(file, readOnly, direct);
        } catch (NativeException e) {
            throw new HotplugException("Could not open '" + file + "': " + reason(e.errno()));
        } catch (IOException e) {
            throw new HotplugException("Could not open '" + file + "': " + e.getMessage());
        }
        pending.put(node, new Pending(backend, real, readOnly));
    }

    /**
     * {@code device_add} of a virtio-blk-mmio: the image of {@code node} into {@code slot} (the
     * first free one when null); returns the slot.
     */
    synchronized int plug(String id, String node, Integer slot, String serial) throws HotplugException {
        plugged.checkNewId(id);
        int at = plugged.choose(slot);
        Pending p = pending.get(node);
        if (p == null) {
            throw new HotplugException("no block device '" + node + "': add it with blockdev-add first"
                    + (nodeInSlot(node) >= 0 ? " (that one is plugged in already)" : ""));
        }
        pending.remove(node);
        String diskId = serial != null ? serial : node;
        slots.get(at).attach(p.backend(), diskId);
        plugged.set(at, new Plugged(id, node, p.realPath(), p.readOnly(), diskId));
        return at;
    }

    /** Whether a device with this id is plugged in here. */
    synchronized boolean hasDevice(String id) {
        return plugged.slotOf(id) >= 0;
    }

    /** {@code device_del}: empties the slot of device {@code id}; false when no disk has that id. */
    synchronized boolean unplug(String id) {
        int at = plugged.remove(id);
        return at >= 0 && slots.get(at).detach();
    }

    /**
     * Moves the disks so that slot i holds {@code wanted.get(i)} (null: empty), as a snapshot
     * had them: the command line gives a restored VM's disks, the snapshot their slots. The
     * images must be those plugged in (checked by the caller); no guest has run yet.
     */
    synchronized void arrange(List<Slot> wanted) {
        int n = plugged.size();
        Plugged[] entries = new Plugged[n];
        org.altovirt.devices.virtio.block.BlockBackend[] backends = new org.altovirt.devices.virtio.block.BlockBackend[n];
        for (int i = 0; i < n; i++) {
            entries[i] = plugged.get(i);
            backends[i] = entries[i] == null ? null : slots.get(i).take();
            plugged.set(i, null);
        }
        for (int to = 0; to < n; to++) {
            Slot w = wanted.get(to);
            for (int from = 0; w != null && from < n; from++) {
                if (entries[from] != null && entries[from].realPath().equals(w.image())) {
                    slots.get(to).attach(backends[from], entries[from].serial());
                    plugged.set(to, entries[from]);
                    entries[from] = null;
                    break;
                }
            }
        }
    }

    /** vda, vdb...: what the slot is to a guest that numbers every disk slot. */
    static String diskName(int slot) {
        return "vd" + (char) ('a' + slot);
    }

    private int nodeInSlot(String node) {
        return plugged.find(p -> p.node().equals(node));
    }

    /** Who holds the image already: a device, or a node waiting for device_add; null if nobody. */
    private String userOf(Path real) {
        int at = plugged.find(p -> p.realPath().equals(real));
        if (at >= 0) {
            return "device '" + plugged.get(at).id() + "'";
        }
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            if (e.getValue().realPath().equals(real)) {
                return "node '" + e.getKey() + "'";
            }
        }
        return null;
    }

    /** The common reasons in plain words; the system's text for the rest. */
    private static String reason(int errno) {
        switch (errno) {
            case 2: return "no such file";
            case 13: return "permission denied";
            case 21: return "it is a directory";
            case 30: return "the file system is read-only (add \"read-only\": true)";
            default: return LibC.get().strerror(errno);
        }
    }

    private static Path realPath(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath().normalize();
        }
    }

    /** Closes the images that were added but never plugged (the slots close their own). */
    @Override
    public synchronized void close() {
        for (Pending p : new ArrayList<>(pending.values())) {
            p.backend().close();
        }
        pending.clear();
    }
}
