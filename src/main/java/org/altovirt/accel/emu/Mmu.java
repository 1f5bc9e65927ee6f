package org.altovirt.accel.emu;

import java.util.Arrays;
import jnr.ffi.Pointer;

/**
 * Linear-to-physical translation for long mode (4-level paging, 4 KiB, 2 MiB and 1 GiB pages) with
 * a software TLB, and the CPU's data accesses built on it. The TLB is direct-mapped per access kind
 * (read, write, fetch); an entry caches the page's RAM view and offset, so a hit costs an array
 * compare and a native load. Entries are filled only after the permission check and after the
 * accessed (and, for writes, dirty) bits are set in the guest's tables, as the CPU does; they are
 * dropped on CR3 writes, INVLPG and changes of CR0/CR4/EFER/CPL.
 *
 * <p>Write entries of pages that hold decoded code carry a watch bit, so a store to such a page
 * takes the slow path and tells the {@link CodeCache} (self-modifying code).
 */
final class Mmu {
    static final int READ = 0, WRITE = 1, FETCH = 2;

    private static final int TLB_BITS = 10;
    private static final int TLB_SIZE = 1 << TLB_BITS;
    private static final int TLB_MASK = TLB_SIZE - 1;
    /** Tag bit of a write entry whose page holds cached code: the fast path misses, the slow one checks. */
    private static final long WATCH = 1L << 62;
    /** Physical address width reported by CPUID 0x80000008; bits above it are reserved in entries. */
    static final int PHYS_BITS = 40;
    private static final long ADDR_MASK = ((1L << PHYS_BITS) - 1) & ~0xFFFL;
    private static final long PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80;
    private static final long PTE_NX = 1L << 63;
    /** Entry bits 51..PHYS_BITS: reserved, a #PF with RSVD when set. */
    private static final long RESERVED_HIGH = ((1L << 52) - 1) & ~((1L << PHYS_BITS) - 1);

    private final CpuState s;
    private final PhysicalMemory phys;
    private final GuestFault fault;
    private CodeCache code;

    private final long[] rTag = new long[TLB_SIZE];
    private final Pointer[] rView = new Pointer[TLB_SIZE];
    private final long[] rAdd = new long[TLB_SIZE];
    /** Physical page of a read entry (used for device pages, which have no view). */
    private final long[] rPhys = new long[TLB_SIZE];
    private final long[] wTag = new long[TLB_SIZE];
    private final Pointer[] wView = new Pointer[TLB_SIZE];
    private final long[] wAdd = new long[TLB_SIZE];
    private final long[] wPhys = new long[TLB_SIZE];
    private final long[] xTag = new long[TLB_SIZE];
    private final long[] xPhys = new long[TLB_SIZE];

    Mmu(CpuState s, PhysicalMemory phys, GuestFault fault) {
        this.s = s;
        this.phys = phys;
        this.fault = fault;
        flush();
    }

    void attach(CodeCache code) {
        this.code = code;
    }

    PhysicalMemory phys() {
        return phys;
    }

    /** Drops every cached translation. */
    void flush() {
        Arrays.fill(rTag, -1);
        Arrays.fill(wTag, -1);
        Arrays.fill(xTag, -1);
        Arrays.fill(rView, null);
        Arrays.fill(wView, null);
    }

    /** Drops the translations of the page holding {@code va} (INVLPG); large pages cover more, so drop all. */
    void flushPage(long va) {
        flush();
    }

    /** Makes stores to physical page {@code ppn} take the slow path (it now holds decoded code). */
    void watch(long ppn) {
        for (int i = 0; i < TLB_SIZE; i++) {
            if (wTag[i] != -1 && (wTag[i] & WATCH) == 0 && wPhys[i] >>> 12 == ppn) {
                wTag[i] |= WATCH;
            }
        }
    }

    /** Lets stores to physical page {@code ppn} take the fast path again (its code was dropped). */
    void unwatch(long ppn) {
        for (int i = 0; i < TLB_SIZE; i++) {
            if ((wTag[i] & WATCH) != 0 && wTag[i] != -1 && wPhys[i] >>> 12 == ppn) {
                wTag[i] &= ~WATCH;
            }
        }
    }

    // ---- data accesses ----

    long read(long va, int size) {
        long vpn = va >>> 12;
        int i = (int) vpn & TLB_MASK;
        int off = (int) va & 0xFFF;
        if (rTag[i] == vpn && off <= 4096 - size) {
            Pointer v = rView[i];
            if (v != null) {
                return PhysicalMemory.get(v, rAdd[i] + off, size);
            }
        }
        return readSlow(va, size);
    }

    void write(long va, int size, long value) {
        long vpn = va >>> 12;
        int i = (int) vpn & TLB_MASK;
        int off = (int) va & 0xFFF;
        if (wTag[i] == vpn && off <= 4096 - size) {
            Pointer v = wView[i];
            if (v != null) {
                PhysicalMemory.put(v, wAdd[i] + off, size, value);
                return;
            }
        }
        writeSlow(va, size, value);
    }

    private long readSlow(long va, int size) {
        if ((va & 0xFFF) > 4096 - size) {
            long v = 0;
            for (int k = 0; k < size; k++) {
                v |= read(va + k, 1) << (8 * k);
            }
            return v;
        }
        long vpn = va >>> 12;
        int i = (int) vpn & TLB_MASK;
        if (rTag[i] == vpn) {
            return phys.read(rPhys[i] | (va & 0xFFF), size); // a device page: no view, straight to the bus
        }
        return phys.read(translate(va, READ), size);
    }

    private void writeSlow(long va, int size, long value) {
        if ((va & 0xFFF) > 4096 - size) {
            // Both pages must be writable before any byte is stored, as on the CPU.
            translate(va, WRITE);
            translate((va + size - 1) & ~0xFFFL, WRITE); // a fault there reports the page's first byte in CR2
            for (int k = 0; k < size; k++) {
                write(va + k, 1, value >>> (8 * k));
            }
            return;
        }
        long vpn = va >>> 12;
        int i = (int) vpn & TLB_MASK;
        if (wTag[i] != vpn && wTag[i] != (vpn | WATCH)) {
            long pa = translate(va, WRITE);
            if (wTag[i] != vpn && wTag[i] != (vpn | WATCH)) {
                // not cached (a page only partly RAM, or read-only with WP clear under CPL 3...)
                phys.write(pa, size, value);
                code.written(pa, size);
                return;
            }
        }
        long pa = wPhys[i] | (va & 0xFFF);
        phys.write(pa, size, value);
        if ((wTag[i] & WATCH) != 0) {
            code.written(pa, size); // the page holds decoded code
        }
    }

    /** The physical address of an instruction fetch at {@code va}. */
    long fetchAddress(long va) {
        long vpn = va >>> 12;
        int i = (int) vpn & TLB_MASK;
        if (xTag[i] == vpn) {
            return xPhys[i] | (va & 0xFFF);
        }
        return translate(va, FETCH);
    }

    // ---- translation ----

    /** Translates {@code va} for an access of {@code kind}, filling the TLB; raises #PF or #GP. */
    long translate(long va, int kind) {
        if (((va << 16) >> 16) != va) {
            throw fault.raise(GuestFault.GP, 0); // non-canonical
        }
        boolean user = s.cpl == 3;
        boolean nxe = (s.efer & CpuState.EFER_NXE) != 0;
        long table = s.cr3 & ADDR_MASK;
        long[] entries = walkEntries;
        long[] addrs = walkAddrs;
        boolean writable = true;
        boolean userOk = true;
        boolean noExec = false;
        int level = 4;
        long pageMask = 0;
        long entry = 0;
        for (; level >= 1; level--) {
            int shift = 12 + 9 * (level - 1);
            long ea = table + (((va >>> shift) & 0x1FF) << 3);
            entry = phys.read(ea, 8);
            entries[level] = entry;
            addrs[level] = ea;
            if ((entry & PTE_P) == 0) {
                throw pageFault(va, kind, user, 0);
            }
            long reserved = entry & RESERVED_HIGH;
            if (!nxe && (entry & PTE_NX) != 0) {
                reserved |= PTE_NX;
            }
            boolean large = (entry & PTE_PS) != 0 && level <= 3 && level >= 2;
            if (level == 4 && (entry & PTE_PS) != 0) {
                reserved |= PTE_PS;
            }
            if (large) {
                // Bits between the PAT bit (12) and the page's address bits are reserved.
                reserved |= entry & (((1L << shift) - 1) & ~0x1FFFL);
            }
            if (reserved != 0) {
                throw pageFault(va, kind, user, GuestFault.PF_PRESENT | GuestFault.PF_RSVD);
            }
            writable &= (entry & PTE_RW) != 0;
            userOk &= (entry & PTE_US) != 0;
            noExec |= nxe && (entry & PTE_NX) != 0;
            if (large || level == 1) {
                pageMask = (1L << shift) - 1;
                break;
            }
            table = entry & ADDR_MASK;
        }
        boolean wp = (s.cr0 & CpuState.CR0_WP) != 0;
        if (kind == WRITE && !writable && (user || wp)) {
            throw pageFault(va, kind, user, GuestFault.PF_PRESENT);
        }
        if (user && !userOk) {
            throw pageFault(va, kind, user, GuestFault.PF_PRESENT);
        }
        if (kind == FETCH && noExec) {
            throw pageFault(va, kind, user, GuestFault.PF_PRESENT);
        }
        // Accessed on every level, dirty on the leaf for a write, as the CPU's walker sets them.
        for (int l = 4; l >= level; l--) {
            long e = entries[l];
            long want = e | PTE_A;
            if (l == level && kind == WRITE) {
                want |= PTE_D;
            }
            if (want != e) {
                phys.write(addrs[l], 8, want);
                code.written(addrs[l], 8);
                if (l == level) {
                    entry = want;
                }
            }
        }
        long pa = (entry & ADDR_MASK & ~pageMask) | (va & pageMask);
        fill(va, pa, kind, writable || (!user && !wp), (entry & PTE_D) != 0);
        return pa;
    }

    private final long[] walkEntries = new long[5];
    private final long[] walkAddrs = new long[5];

    private void fill(long va, long pa, int kind, boolean writeOk, boolean dirty) {
        long vpn = va >>> 12;
        int i = (int) vpn & TLB_MASK;
        long ppage = pa & ~0xFFFL;
        int region = phys.region(ppage, 4096);
        Pointer view = region < 0 ? null : phys.view(region);
        long add = region < 0 ? 0 : phys.offset(region, ppage);
        if (kind == FETCH) {
            xTag[i] = vpn;
            xPhys[i] = ppage;
            return;
        }
        if (region < 0 && phys.region(ppage, 1) >= 0) {
            return; // a page only partly RAM: every access walks and is split where it must be
        }
        // A device page gets entries without a view: accesses skip the walk and go to the bus.
        rTag[i] = vpn;
        rView[i] = view;
        rAdd[i] = add;
        rPhys[i] = ppage;
        if (writeOk && (dirty || kind == WRITE)) {
            wTag[i] = code.watched(ppage >>> 12) ? vpn | WATCH : vpn;
            wView[i] = view;
            wAdd[i] = add;
            wPhys[i] = ppage;
        }
    }

    private GuestFault pageFault(long va, int kind, boolean user, int code) {
        int err = code;
        if (kind == WRITE) {
            err |= GuestFault.PF_WRITE;
        }
        if (user) {
            err |= GuestFault.PF_USER;
        }
        if (kind == FETCH && (s.efer & CpuState.EFER_NXE) != 0) {
            err |= GuestFault.PF_FETCH;
        }
        s.cr2 = va;
        return fault.raise(GuestFault.PF, err);
    }
}
