package org.altovirt.accel.emu;

import java.util.List;
import jnr.ffi.Pointer;
import org.altovirt.bus.Bus;
import org.altovirt.memory.GuestMemory;
import org.altovirt.sys.Native;

/**
 * Guest-physical address space as the emulated CPU sees it: the VM's {@link GuestMemory} where
 * RAM is, the MMIO {@link Bus} everywhere else (so a device window reads and writes exactly as it
 * does under KVM). RAM is reached through one native view per RAM range, the same host mapping
 * GuestMemory and KVM use; every address is checked against the ranges before use.
 */
final class PhysicalMemory {
    private final GuestMemory ram;
    private final Bus mmio;
    private final long[] start;
    private final long[] size;
    private final Pointer[] views;
    /** This vCPU's local APIC, which takes its page before the bus does; null where there is none. */
    private LocalApic apic;

    PhysicalMemory(GuestMemory ram, Bus mmio) {
        this.ram = ram;
        this.mmio = mmio;
        List<GuestMemory.Region> regions = ram.regions();
        start = new long[regions.size()];
        size = new long[regions.size()];
        views = new Pointer[regions.size()];
        for (int i = 0; i < views.length; i++) {
            GuestMemory.Region r = regions.get(i);
            start[i] = r.guestAddress();
            size[i] = r.size();
            views[i] = Native.pointer(r.hostAddress(), r.size());
        }
    }

    void attach(LocalApic apic) {
        this.apic = apic;
    }

    GuestMemory ram() {
        return ram;
    }

    /** The RAM range holding all of {@code [pa, pa+len)}, or -1 when some of it is not RAM. */
    int region(long pa, long len) {
        for (int i = 0; i < start.length; i++) {
            long off = pa - start[i];
            if (off >= 0 && off <= size[i] - len) {
                return i;
            }
        }
        return -1;
    }

    Pointer view(int region) {
        return views[region];
    }

    /** Offset of {@code pa} inside the view of {@code region}. */
    long offset(int region, long pa) {
        return pa - start[region];
    }

    /** Reads {@code size} (1, 2, 4, 8) bytes, zero-extended: RAM, else the MMIO bus. */
    long read(long pa, int size) {
        int i = region(pa, size);
        if (i < 0) {
            return readOutside(pa, size);
        }
        return get(views[i], pa - start[i], size);
    }

    void write(long pa, int size, long v) {
        int i = region(pa, size);
        if (i < 0) {
            writeOutside(pa, size, v);
            return;
        }
        put(views[i], pa - start[i], size, v);
    }

    /** An access that is not wholly in RAM: the bus, byte by byte where it straddles RAM's edge. */
    private long readOutside(long pa, int size) {
        if (apic != null && pa - LocalApic.BASE >= 0 && pa - LocalApic.BASE < LocalApic.SIZE) {
            return apic.read(pa - LocalApic.BASE, size);
        }
        if (region(pa, 1) < 0 && region(pa + size - 1, 1) < 0) {
            long v = mmio.read(pa, size);
            return size == 8 ? v : v & CpuState.mask(size);
        }
        long v = 0;
        for (int k = 0; k < size; k++) {
            v |= read(pa + k, 1) << (8 * k);
        }
        return v;
    }

    private void writeOutside(long pa, int size, long v) {
        if (apic != null && pa - LocalApic.BASE >= 0 && pa - LocalApic.BASE < LocalApic.SIZE) {
            apic.write(pa - LocalApic.BASE, size, v);
            return;
        }
        if (region(pa, 1) < 0 && region(pa + size - 1, 1) < 0) {
            mmio.write(pa, size, size == 8 ? v : v & CpuState.mask(size));
            return;
        }
        for (int k = 0; k < size; k++) {
            write(pa + k, 1, v >>> (8 * k));
        }
    }

    /** Copies up to {@code len} bytes of RAM at {@code pa} into {@code dst}; returns how many (0 if not RAM). */
    int copyOut(long pa, byte[] dst, int off, int len) {
        int i = region(pa, 1);
        if (i < 0) {
            return 0;
        }
        long avail = size[i] - (pa - start[i]);
        int n = (int) Math.min(len, avail);
        views[i].get(pa - start[i], dst, off, n);
        return n;
    }

    static long get(Pointer p, long off, int size) {
        switch (size) {
            case 1:
                return p.getByte(off) & 0xFFL;
            case 2:
                return p.getShort(off) & 0xFFFFL;
            case 4:
                return p.getInt(off) & 0xFFFF_FFFFL;
            default:
                return p.getLong(off);
        }
    }

    static void put(Pointer p, long off, int size, long v) {
        switch (size) {
            case 1:
                p.putByte(off, (byte) v);
                break;
            case 2:
                p.putShort(off, (short) v);
                break;
            case 4:
                p.putInt(off, (int) v);
                break;
            default:
                p.putLong(off, v);
        }
    }
}
