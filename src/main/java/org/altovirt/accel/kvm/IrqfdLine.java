package org.altovirt.accel.kvm;

import jnr.ffi.Pointer;
import org.altovirt.bus.InterruptLine;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An interrupt line through an irqfd: an eventfd that KVM watches, bound to a GSI with
 * KVM_IRQFD. Writing to it raises and lowers the GSI in the kernel (an edge), from any thread,
 * without taking a lock or a vCPU.
 */
final class IrqfdLine implements InterruptLine {
    private static final Logger LOG = LoggerFactory.getLogger(IrqfdLine.class);
    /** The eventfd counter's increment: a u64 1, shared read-only by every line. */
    private static final Pointer ONE = Native.allocate(Long.BYTES);

    static {
        ONE.putLong(0, 1);
    }

    private final int gsi;
    private final int eventFd;

    IrqfdLine(int gsi, int eventFd) {
        this.gsi = gsi;
        this.eventFd = eventFd;
    }

    int eventFd() {
        return eventFd;
    }

    @Override
    public void trigger() {
        // Only a full counter fails (EAGAIN, after 2^64-2 unconsumed triggers): KVM reads it at
        // once, so a failure means KVM no longer listens; the device goes on either way.
        if (LibC.get().write(eventFd, ONE, Long.BYTES) != Long.BYTES) {
            LOG.warn("interrupt {}: {}", gsi, NativeException.last("write to its irqfd " + eventFd).getMessage());
        }
    }

    @Override
    public String toString() {
        return "irqfd " + eventFd + " for GSI " + gsi;
    }
}
