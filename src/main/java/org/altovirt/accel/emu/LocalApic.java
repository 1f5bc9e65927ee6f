package org.altovirt.accel.emu;

import java.lang.ref.WeakReference;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One emulated vCPU's local APIC in xAPIC mode (Intel SDM vol. 3A, chapter 11), at its default
 * physical base 0xFEE0_0000: the ID, version, TPR, EOI, spurious-vector, ISR/TMR/IRR, error
 * status and LVT registers, and the timer (one-shot and periodic, counting at 1 GHz divided by
 * the divide configuration, the bus rate KVM's in-kernel LAPIC uses). Interrupts come from the
 * IOAPIC ({@link #accept}) and the timer; the vCPU takes the highest-priority one that the TPR
 * and the ISR allow ({@link #acknowledge}) between blocks when RFLAGS.IF is set.
 *
 * <p>Not emulated: IPIs (ICR writes are ignored: application processors do not run on emu),
 * x2APIC, LINT0/LINT1 and NMI delivery, the thermal and performance LVTs, and TSC-deadline mode.
 */
final class LocalApic {
    static final long BASE = 0xFEE0_0000L;
    static final long SIZE = 0x1000;
    static final int ID = 0x20, VERSION = 0x30, TPR = 0x80, PPR = 0xA0, EOI = 0xB0, LDR = 0xD0, DFR = 0xE0,
            SVR = 0xF0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, ICR_LOW = 0x300, ICR_HIGH = 0x310,
            LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERF = 0x340, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360,
            LVT_ERROR = 0x370, TIMER_INITIAL = 0x380, TIMER_CURRENT = 0x390, TIMER_DIVIDE = 0x3E0;
    static final int LVT_MASKED = 1 << 16;
    static final int TIMER_PERIODIC = 1 << 17;
    static final int SVR_ENABLED = 1 << 8;
    /** Version 0x14 with six LVT entries (max LVT index 5), as a Pentium 4-class xAPIC reports. */
    private static final int VERSION_VALUE = 0x0005_0014;

    /** One daemon thread fires every emulated LAPIC timer. */
    private static final ScheduledExecutorService TIMERS = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "emu-apic-timers");
        t.setDaemon(true);
        return t;
    });

    private final int apicId;
    private final Runnable interruptArrived;
    // 256-bit vectors: bit v of word v / 32.
    private final int[] irr = new int[8];
    private final int[] isr = new int[8];
    private final int[] tmr = new int[8];
    private int tpr;
    private int svr = 0xFF;
    private int ldr;
    private int dfr = -1;
    private int icrLow;
    private int icrHigh;
    private final int[] lvt = {LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED, LVT_MASKED};
    private int divideConfig;
    private long initialCount;
    private long timerStart;
    private ScheduledFuture<?> timer;

    /**
     * @param interruptArrived called (on any thread) when an interrupt may have become deliverable
     */
    LocalApic(int apicId, Runnable interruptArrived) {
        this.apicId = apicId;
        this.interruptArrived = interruptArrived;
    }

    int apicId() {
        return apicId;
    }

    /** A fixed interrupt for {@code vector} (from the IOAPIC, or the timer). */
    void accept(int vector) {
        synchronized (this) {
            if (vector < 16 || (svr & SVR_ENABLED) == 0) {
                return; // vectors 0-15 are illegal; a software-disabled APIC takes none
            }
            irr[vector >>> 5] |= 1 << (vector & 31);
        }
        interruptArrived.run(); // outside the lock: the vCPU's wake-up takes its own, then this one
    }

    /** The vector the vCPU would take now, or -1: the highest in IRR above the processor priority. */
    synchronized int pending() {
        int v = highest(irr);
        if (v < 0) {
            return -1;
        }
        return (v & 0xF0) > priority() ? v : -1;
    }

    /** Takes the interrupt {@link #pending} names: IRR to ISR; returns its vector, or -1. */
    synchronized int acknowledge() {
        int v = pending();
        if (v >= 0) {
            irr[v >>> 5] &= ~(1 << (v & 31));
            isr[v >>> 5] |= 1 << (v & 31);
        }
        return v;
    }

    /** The processor priority: the higher of the TPR's class and the highest in-service vector's. */
    private int priority() {
        int inService = highest(isr);
        return Math.max(tpr & 0xF0, inService < 0 ? 0 : inService & 0xF0);
    }

    private static int highest(int[] bits) {
        for (int w = 7; w >= 0; w--) {
            if (bits[w] != 0) {
                return w * 32 + 31 - Integer.numberOfLeadingZeros(bits[w]);
            }
        }
        return -1;
    }

    synchronized long read(long offset, int size) {
        int reg = (int) offset & 0xFF0;
        int v;
        if (reg >= ISR && reg < ISR + 0x80) {
            v = isr[(reg - ISR) >>> 4];
        } else if (reg >= TMR && reg < TMR + 0x80) {
            v = tmr[(reg - TMR) >>> 4];
        } else if (reg >= IRR && reg < IRR + 0x80) {
            v = irr[(reg - IRR) >>> 4];
        } else {
            v = switch (reg) {
                case ID -> apicId << 24;
                case VERSION -> VERSION_VALUE;
                case TPR -> tpr;
                case PPR -> priority();
                case LDR -> ldr;
                case DFR -> dfr;
                case SVR -> svr;
                case ICR_LOW -> icrLow;
                case ICR_HIGH -> icrHigh;
                case LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR -> lvt[(reg - LVT_TIMER) >>> 4];
                case TIMER_INITIAL -> (int) initialCount;
                case TIMER_CURRENT -> (int) currentCount();
                case TIMER_DIVIDE -> divideConfig;
                default -> 0; // ESR and the rest: nothing to report
            };
        }
        int shift = (int) (offset & 3) * 8;
        return size >= 4 ? v & 0xFFFF_FFFFL : (v >>> shift) & ((1L << (size * 8)) - 1);
    }

    void write(long offset, int size, long value) {
        int reg = (int) offset & 0xFF0;
        int v = (int) value;
        boolean again = false;
        synchronized (this) {
            switch (reg) {
                case TPR -> {
                    tpr = v & 0xFF;
                    again = true;
                }
                case EOI -> {
                    int top = highest(isr);
                    if (top >= 0) {
                        isr[top >>> 5] &= ~(1 << (top & 31));
                    }
                    again = true;
                }
                case LDR -> ldr = v & 0xFF00_0000;
                case DFR -> dfr = v | 0x0FFF_FFFF;
                case SVR -> svr = v & 0x13FF;
                case ICR_LOW -> icrLow = v & ~(1 << 12); // no IPI is sent: delivery status stays idle
                case ICR_HIGH -> icrHigh = v;
                case LVT_TIMER -> {
                    lvt[0] = v & (0xFF | LVT_MASKED | TIMER_PERIODIC);
                    armTimer();
                }
                case LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR ->
                    lvt[(reg - LVT_TIMER) >>> 4] = v & (0xFF | 0x700 | LVT_MASKED | (1 << 15) | (1 << 13));
                case TIMER_INITIAL -> {
                    initialCount = v & 0xFFFF_FFFFL;
                    timerStart = System.nanoTime();
                    armTimer();
                }
                case TIMER_DIVIDE -> divideConfig = v & 0xB;
                default -> { } // read-only or not emulated
            }
        }
        if (again) {
            interruptArrived.run(); // a lower priority or an EOI may let a pending one through
        }
    }

    /** Nanoseconds per timer count: 1 GHz bus divided by 1, 2, 4 ... 128. */
    private long nanosPerCount() {
        int bits = (divideConfig & 3) | ((divideConfig >>> 1) & 4);
        return bits == 7 ? 1 : 2L << bits;
    }

    private long currentCount() {
        if (initialCount == 0) {
            return 0;
        }
        long elapsed = (System.nanoTime() - timerStart) / nanosPerCount();
        if ((lvt[0] & TIMER_PERIODIC) != 0) {
            return initialCount - elapsed % initialCount;
        }
        return Math.max(0, initialCount - elapsed);
    }

    /** (Re)schedules the timer's next expiry from the current settings. Called with the lock held. */
    private void armTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (initialCount == 0) {
            return;
        }
        long period = initialCount * nanosPerCount();
        long first = Math.max(0, period - (System.nanoTime() - timerStart));
        Runnable expiry = new Expiry(new WeakReference<>(this));
        if ((lvt[0] & TIMER_PERIODIC) != 0) {
            timer = TIMERS.scheduleAtFixedRate(expiry, first, Math.max(period, MIN_PERIOD_NS), TimeUnit.NANOSECONDS);
        } else {
            timer = TIMERS.schedule(expiry, first, TimeUnit.NANOSECONDS);
        }
    }

    /** The shortest period the timer fires at, whatever the guest asks (a host thread fires it). */
    private static final long MIN_PERIOD_NS = 50_000;

    /**
     * A timer expiry that does not keep its APIC alive: once the vCPU is gone, the next expiry
     * throws, which ends a periodic schedule.
     */
    private record Expiry(WeakReference<LocalApic> apic) implements Runnable {
        @Override
        public void run() {
            LocalApic a = apic.get();
            if (a == null) {
                throw new IllegalStateException("the APIC is gone");
            }
            a.expire();
        }
    }

    private void expire() {
        int entry;
        synchronized (this) {
            entry = lvt[0];
        }
        if ((entry & LVT_MASKED) == 0) {
            accept(entry & 0xFF);
        }
    }

    /** Stops the timer (the vCPU is gone). */
    synchronized void close() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The registers, pending and in-service vectors and the timer, for a snapshot. */
    synchronized com.fasterxml.jackson.databind.node.ObjectNode saveState() {
        var out = org.altovirt.state.State.object().put("tpr", tpr).put("svr", svr).put("ldr", ldr).put("dfr", dfr)
                .put("icr_low", icrLow).put("icr_high", icrHigh).put("divide", divideConfig)
                .put("initial_count", initialCount).put("current_count", currentCount());
        var l = out.putArray("lvt");
        for (int v : lvt) {
            l.add(v);
        }
        var ir = out.putArray("irr");
        var is = out.putArray("isr");
        var tm = out.putArray("tmr");
        for (int i = 0; i < 8; i++) {
            ir.add(irr[i]);
            is.add(isr[i]);
            tm.add(tmr[i]);
        }
        return out;
    }

    /** Puts back what {@link #saveState} saved; the timer goes on from the saved count. */
    void restoreState(com.fasterxml.jackson.databind.JsonNode in) throws org.altovirt.state.StateException {
        String where = "local APIC " + apicId;
        var l = org.altovirt.state.State.field(in, "lvt", where);
        var ir = org.altovirt.state.State.field(in, "irr", where);
        var is = org.altovirt.state.State.field(in, "isr", where);
        var tm = org.altovirt.state.State.field(in, "tmr", where);
        if (l.size() != lvt.length || ir.size() != 8 || is.size() != 8 || tm.size() != 8) {
            throw new org.altovirt.state.StateException(where + ": damaged (LVT and vector arrays)");
        }
        synchronized (this) {
            tpr = org.altovirt.state.State.integer(in, "tpr", where);
            svr = org.altovirt.state.State.integer(in, "svr", where);
            ldr = org.altovirt.state.State.integer(in, "ldr", where);
            dfr = org.altovirt.state.State.integer(in, "dfr", where);
            icrLow = org.altovirt.state.State.integer(in, "icr_low", where);
            icrHigh = org.altovirt.state.State.integer(in, "icr_high", where);
            divideConfig = org.altovirt.state.State.integer(in, "divide", where) & 0xB;
            for (int i = 0; i < lvt.length; i++) {
                lvt[i] = l.get(i).asInt();
            }
            for (int i = 0; i < 8; i++) {
                irr[i] = ir.get(i).asInt();
                isr[i] = is.get(i).asInt();
                tmr[i] = tm.get(i).asInt();
            }
            initialCount = org.altovirt.state.State.integer(in, "initial_count", 0, 0xFFFF_FFFFL, where);
            long current = org.altovirt.state.State.integer(in, "current_count", 0, 0xFFFF_FFFFL, where);
            // as if the timer had started so long ago that current counts remain
            timerStart = System.nanoTime() - (initialCount - Math.min(current, initialCount)) * nanosPerCount();
            armTimer();
        }
        interruptArrived.run();
    }
}
