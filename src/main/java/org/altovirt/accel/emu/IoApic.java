package org.altovirt.accel.emu;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.altovirt.bus.BusDevice;

/**
 * The emu's I/O APIC (the 82093AA's register interface) at 0xFEC0_0000: IOREGSEL at 0x00 and
 * IOWIN at 0x10 reach the ID, version and arbitration registers and 24 redirection entries. A
 * device's interrupt line (docs/facts.md §3: the UART on 4, virtio-mmio slots from 5) is a pin; an
 * edge on an unmasked pin sends the entry's vector, fixed delivery, to the local APIC its
 * destination names (physical mode). Every line the machine has is edge-triggered, so remote IRR
 * and level re-assertion are not emulated, nor are logical destinations and other delivery modes.
 */
final class IoApic implements BusDevice {
    static final long BASE = 0xFEC0_0000L;
    static final long SIZE = 0x1000;
    static final int PINS = 24;
    private static final int SELECT = 0x00;
    private static final int WINDOW = 0x10;
    private static final long MASKED = 1L << 16;

    private final List<LocalApic> apics = new CopyOnWriteArrayList<>();
    private final long[] entries = new long[PINS];
    private int select;
    private int id;

    IoApic() {
        java.util.Arrays.fill(entries, MASKED);
    }

    /** A local APIC that interrupts may be sent to. */
    void attach(LocalApic apic) {
        apics.add(apic);
    }

    void detach(LocalApic apic) {
        apics.remove(apic);
    }

    /** An edge on {@code pin}. */
    void raise(int pin) {
        long e;
        synchronized (this) {
            if (pin < 0 || pin >= PINS) {
                return;
            }
            e = entries[pin];
        }
        if ((e & MASKED) != 0 || ((e >>> 8) & 7) != 0) {
            return; // masked, or a delivery mode other than fixed
        }
        int dest = (int) (e >>> 56);
        for (LocalApic a : apics) {
            if (a.apicId() == dest || dest == 0xFF) {
                a.accept((int) e & 0xFF);
            }
        }
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset == SELECT) {
            return select;
        }
        if (offset != WINDOW) {
            return 0;
        }
        return switch (select) {
            case 0 -> (long) id << 24;
            case 1 -> ((PINS - 1) << 16) | 0x11;
            case 2 -> (long) id << 24;
            default -> {
                int n = (select - 0x10) >>> 1;
                if (select < 0x10 || n >= PINS) {
                    yield 0;
                }
                yield (select & 1) == 0 ? entries[n] & 0xFFFF_FFFFL : entries[n] >>> 32;
            }
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) value;
        if (offset == SELECT) {
            select = v & 0xFF;
            return;
        }
        if (offset != WINDOW) {
            return;
        }
        if (select == 0) {
            id = (v >>> 24) & 0xF;
            return;
        }
        int n = (select - 0x10) >>> 1;
        if (select < 0x10 || n >= PINS) {
            return;
        }
        if ((select & 1) == 0) {
            // delivery status (12) and remote IRR (14) are read-only
            long keep = entries[n] & (0xFFFF_FFFF_0000_0000L | (1L << 12) | (1L << 14));
            entries[n] = keep | (v & 0xFFFF_FFFFL & ~((1L << 12) | (1L << 14)));
        } else {
            entries[n] = (entries[n] & 0xFFFF_FFFFL) | ((long) v << 32);
        }
    }

    /** The ID and the redirection entries, for a snapshot. */
    synchronized com.fasterxml.jackson.databind.node.ObjectNode saveState() {
        var out = org.altovirt.state.State.object().put("id", id).put("select", select);
        var e = out.putArray("entries");
        for (long v : entries) {
            e.add(org.altovirt.state.State.hex(v));
        }
        return out;
    }

    synchronized void restoreState(com.fasterxml.jackson.databind.JsonNode in) throws org.altovirt.state.StateException {
        String where = "I/O APIC";
        var e = org.altovirt.state.State.field(in, "entries", where);
        if (!e.isArray() || e.size() != PINS) {
            throw new org.altovirt.state.StateException(where + ": " + PINS + " redirection entries expected");
        }
        for (int i = 0; i < PINS; i++) {
            entries[i] = org.altovirt.state.State.hexAt(e, i, where + " entries");
        }
        id = org.altovirt.state.State.integer(in, "id", where) & 0xF;
        select = org.altovirt.state.State.integer(in, "select", where) & 0xFF;
    }
}
