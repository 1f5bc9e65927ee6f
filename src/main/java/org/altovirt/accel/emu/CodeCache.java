package org.altovirt.accel.emu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decoded blocks by guest-physical address, and the pages they were decoded from. A page that
 * holds cached code is watched: the {@link Mmu} sends every CPU store to it here, and a store
 * that touches a 64-byte line holding decoded code drops all of the page's blocks (self-modifying
 * code, or a page reused for new code). Stores from devices (DMA) bypass the CPU and are not seen:
 * code loaded by DMA must not already be cached (see {@link EmuVcpu}).
 */
final class CodeCache {
    /** Past this many blocks the whole cache is dropped and rebuilt, as QEMU does when its buffer fills. */
    private static final int MAX_BLOCKS = 1 << 16;

    private static final class Page {
        long lines;
        final List<Block> blocks = new ArrayList<>();
    }

    private static final int JUMP_BITS = 12;
    private static final int JUMP_MASK = (1 << JUMP_BITS) - 1;

    private final Mmu mmu;
    private final Map<Long, Block> blocks = new HashMap<>();
    /** Virtual RIP to block, direct-mapped: the lookup most block entries take; dropped with the TLB. */
    private final long[] jumpRip = new long[1 << JUMP_BITS];
    private final Block[] jumpBlock = new Block[1 << JUMP_BITS];
    private final Map<Long, Page> pages = new HashMap<>();
    /** Set whenever blocks are dropped; the executor leaves its block when it sees it. */
    boolean invalidated;

    CodeCache(Mmu mmu) {
        this.mmu = mmu;
    }

    /** The block entered at virtual address {@code rip}, if it was looked up since the last flush. */
    Block lookup(long rip) {
        int h = (int) (rip ^ (rip >>> JUMP_BITS)) & JUMP_MASK;
        Block b = jumpBlock[h];
        return b != null && jumpRip[h] == rip && b.valid ? b : null;
    }

    void remember(long rip, Block b) {
        int h = (int) (rip ^ (rip >>> JUMP_BITS)) & JUMP_MASK;
        jumpRip[h] = rip;
        jumpBlock[h] = b;
    }

    /** Bumped whenever virtual-address lookups are forgotten; block links made before are stale. */
    int generation;

    /** Forgets virtual-address lookups: the mapping of virtual to physical addresses changed. */
    void flushJumps() {
        Arrays.fill(jumpBlock, null);
        generation++;
    }

    Block get(long phys) {
        return blocks.get(phys);
    }

    void add(Block b) {
        if (blocks.size() >= MAX_BLOCKS) {
            clear();
        }
        blocks.put(b.phys, b);
        long ppn = b.phys >>> 12;
        Page p = pages.get(ppn);
        if (p == null) {
            p = new Page();
            pages.put(ppn, p);
            mmu.watch(ppn);
        }
        p.lines |= lines((int) b.phys & 0xFFF, b.length);
        p.blocks.add(b);
    }

    boolean watched(long ppn) {
        return pages.containsKey(ppn);
    }

    /** A CPU store of {@code size} bytes at {@code pa} happened (called only for watched pages). */
    void written(long pa, int size) {
        long ppn = pa >>> 12;
        Page p = pages.get(ppn);
        if (p == null || (p.lines & lines((int) pa & 0xFFF, size)) == 0) {
            return;
        }
        for (Block b : p.blocks) {
            b.valid = false;
            blocks.remove(b.phys);
        }
        pages.remove(ppn);
        mmu.unwatch(ppn);
        invalidated = true;
    }

    /** Drops every block. */
    void clear() {
        for (Block b : blocks.values()) {
            b.valid = false;
        }
        for (Long ppn : pages.keySet()) {
            mmu.unwatch(ppn);
        }
        blocks.clear();
        pages.clear();
        invalidated = true;
    }

    int size() {
        return blocks.size();
    }

    /** The 64-byte lines of a page that {@code [off, off+len)} touches, as a bit mask. */
    private static long lines(int off, int len) {
        int first = off >>> 6;
        int last = Math.min(off + len - 1, 4095) >>> 6;
        long hi = last == 63 ? -1L : (1L << (last + 1)) - 1;
        return hi & (-1L << first);
    }
}
