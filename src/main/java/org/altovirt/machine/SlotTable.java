package org.altovirt.machine;

import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * What is plugged into each slot of one kind (the six disk slots, the two NIC slots), and the
 * checks device_add and device_del share: a duplicate id, the slot asked for or the first free
 * one.
 *
 * @param <P> what a slot holds
 */
final class SlotTable<P> {
    private final Object[] entries;
    private final Function<P, String> idOf;
    private final IntFunction<String> slotName;
    private final String kind;
    private final String limit;

    /**
     * @param idOf the device id of an entry
     * @param slotName the guest's name of a slot ("vdb", "eth1")
     * @param kind the slots' kind, for messages ("disk")
     * @param limit the document's limit, for messages ("virtio-blk disks")
     */
    SlotTable(int size, Function<P, String> idOf, IntFunction<String> slotName, String kind, String limit) {
        this.entries = new Object[size];
        this.idOf = idOf;
        this.slotName = slotName;
        this.kind = kind;
        this.limit = limit;
    }

    int size() {
        return entries.length;
    }

    @SuppressWarnings("unchecked")
    P get(int slot) {
        return (P) entries[slot];
    }

    void set(int slot, P entry) {
        entries[slot] = entry;
    }

    /** The first slot whose entry matches, or -1. */
    int find(Predicate<P> test) {
        for (int i = 0; i < entries.length; i++) {
            P p = get(i);
            if (p != null && test.test(p)) {
                return i;
            }
        }
        return -1;
    }

    /** Empties the slot of device {@code id}; the slot, or -1 when no device has that id. */
    int remove(String id) {
        int at = slotOf(id);
        if (at >= 0) {
            entries[at] = null;
        }
        return at;
    }

    int slotOf(String id) {
        return find(p -> idOf.apply(p).equals(id));
    }

    /** Refuses an id already plugged in. */
    void checkNewId(String id) throws HotplugException {
        if (slotOf(id) >= 0) {
            throw new HotplugException("Duplicate ID '" + id + "' for device");
        }
    }

    /** The slot device_add asked for ({@code wanted}), checked, or the first free one when null. */
    int choose(Integer wanted) throws HotplugException {
        if (wanted == null) {
            for (int i = 0; i < entries.length; i++) {
                if (entries[i] == null) {
                    return i;
                }
            }
            throw new HotplugException("all " + entries.length + " " + kind + " slots are in use (at most "
                    + entries.length + " " + limit + ")");
        }
        int at = wanted;
        if (at < 0 || at >= entries.length) {
            throw new HotplugException(String.format("addr 0x%x: the %s slots are 0x0 to 0x%x (at most %d %s)",
                    at, kind, entries.length - 1, entries.length, limit));
        }
        if (entries[at] != null) {
            throw new HotplugException(String.format("addr 0x%x (%s) is in use by device '%s'", at,
                    slotName.apply(at), idOf.apply(get(at))));
        }
        return at;
    }
}
