package org.altovirt.machine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.altovirt.devices.net.Tap;
import org.altovirt.devices.virtio.net.VirtioNet;

/**
 * The two virtio-net slots and what hot-plug does with them (docs/managing-vms.md, "Hot-Pluggable
 * NICs"): {@code netdev_add} opens a tap under an id; {@code device_add} with virtio-net-mmio
 * connects it to a slot (0x0 is eth0, 0x1 eth1), whose link comes up for the guest;
 * {@code device_del} disconnects it (link down) and closes the tap; {@code netdev_del} closes a
 * tap no card uses. NICs of the command line are connected from boot.
 */
final class NicSlots implements AutoCloseable {
    /** What is connected to a slot. */
    private record Plugged(String id, String netdev, String ifname) {}

    /** Like {@link DiskSlots#arrange}: each card to the slot where the snapshot had its tap. */
    synchronized void arrange(List<Nic> wanted) {
        int n = plugged.size();
        Plugged[] entries = new Plugged[n];
        String[] macs = new String[n];
        Tap[] taps = new Tap[n];
        for (int i = 0; i < n; i++) {
            entries[i] = plugged.get(i);
            macs[i] = slots.get(i).macText();
            taps[i] = entries[i] == null ? null : slots.get(i).take();
            plugged.set(i, null);
        }
        for (int to = 0; to < n; to++) {
            Nic w = wanted.get(to);
            for (int from = 0; w != null && from < n; from++) {
                if (entries[from] != null && entries[from].ifname().equals(w.ifname())) {
                    slots.get(to).attach(taps[from], VirtioNet.parseMac(macs[from]));
                    plugged.set(to, entries[from]);
                    entries[from] = null;
                    break;
                }
            }
        }
    }

    private final List<VirtioNet> slots;
    private final SlotTable<Plugged> plugged;
    private final Map<String, Tap> netdevs = new LinkedHashMap<>();

    NicSlots(List<VirtioNet> slots) {
        this.slots = List.copyOf(slots);
        this.plugged = new SlotTable<>(slots.size(), Plugged::id, i -> "eth" + i, "NIC", "virtio-net NICs");
    }

    /** {@code netdev_add}: opens the tap; it waits under {@code id} for device_add. */
    synchronized void addNetdev(String id, String ifname) throws HotplugException {
        if (netdevs.containsKey(id) || netdevInSlot(id) >= 0) {
            throw new HotplugException("Duplicate ID '" + id + "' for netdev");
        }
        int user = plugged.find(p -> p.ifname().equals(ifname));
        if (user >= 0) {
            throw new HotplugException("tap '" + ifname + "' is in use by device '" + plugged.get(user).id() + "'");
        }
        for (Map.Entry<String, Tap> e : netdevs.entrySet()) {
            if (e.getValue().name().equals(ifname)) {
                throw new HotplugException("tap '" + ifname + "' is in use by netdev '" + e.getKey() + "'");
            }
        }
        try {
            netdevs.put(id, Tap.open(ifname));
        } catch (Tap.TapException e) {
            throw new HotplugException(e.getMessage());
        }
    }

    /** {@code netdev_del}: closes a tap that no card uses. */
    synchronized void deleteNetdev(String id) throws HotplugException {
        int at = netdevInSlot(id);
        if (at >= 0) {
            throw new HotplugException("netdev '" + id + "' is in use by device '" + plugged.get(at).id()
                    + "'; device_del it first");
        }
        Tap tap = netdevs.remove(id);
        if (tap == null) {
            throw new HotplugException("Device '" + id + "' not found", true);
        }
        tap.close();
    }

    /** {@code device_add} of a virtio-net-mmio: returns the slot. */
    synchronized int plug(String id, String netdev, Integer slot, byte[] mac) throws HotplugException {
        plugged.checkNewId(id);
        int at = plugged.choose(slot);
        Tap tap = netdevs.get(netdev);
        if (tap == null) {
            throw new HotplugException("no netdev '" + netdev + "': add it with netdev_add first"
                    + (netdevInSlot(netdev) >= 0 ? " (that one is connected already)" : ""));
        }
        netdevs.remove(netdev);
        slots.get(at).attach(tap, mac);
        plugged.set(at, new Plugged(id, netdev, tap.name()));
        return at;
    }

    /** Whether a device with this id is plugged in here. */
    synchronized boolean hasDevice(String id) {
        return plugged.slotOf(id) >= 0;
    }

    /** {@code device_del}: disconnects the card {@code id} and closes its tap; false when no card has that id. */
    synchronized boolean unplug(String id) {
        int at = plugged.remove(id);
        return at >= 0 && slots.get(at).detach();
    }

    /** A connected card as a snapshot records it. */
    record Nic(String ifname, String mac) {}

    /** Each slot's tap and MAC, or null, in slot order. */
    synchronized List<Nic> contents() {
        List<Nic> out = new ArrayList<>(plugged.size());
        for (int i = 0; i < plugged.size(); i++) {
            Plugged p = plugged.get(i);
            out.add(p == null ? null : new Nic(p.ifname(), slots.get(i).macText()));
        }
        return out;
    }

    private int netdevInSlot(String netdev) {
        return plugged.find(p -> p.netdev().equals(netdev));
    }

    /** Disconnects every card and closes every tap. */
    @Override
    public synchronized void close() {
        for (int i = 0; i < plugged.size(); i++) {
            if (plugged.get(i) != null) {
                plugged.set(i, null);
                slots.get(i).detach();
            }
        }
        for (Tap t : netdevs.values()) {
            t.close();
        }
        netdevs.clear();
    }
}
