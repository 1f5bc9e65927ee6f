package org.altovirt.accel.kvm;

import static org.altovirt.accel.kvm.KvmAbi.KVM_IRQ_LINE;

import jnr.ffi.Pointer;
import org.altovirt.accel.kvm.KvmStructs.IrqLevel;
import org.altovirt.bus.InterruptLine;
import org.altovirt.sys.LibC;
import org.altovirt.sys.Native;
import org.altovirt.sys.NativeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An interrupt line for hosts without irqfd: KVM_IRQ_LINE at level 1 and then 0, an edge on the
 * in-kernel PIC and IOAPIC.
 */
final class IrqLevelLine implements InterruptLine {
    private static final Logger LOG = LoggerFactory.getLogger(IrqLevelLine.class);

    private final int vmFd;
    private final int gsi;

    IrqLevelLine(int vmFd, int gsi) {
        this.vmFd = vmFd;
        this.gsi = gsi;
    }

    @Override
    public void trigger() {
        Pointer p = Native.allocate(IrqLevel.SIZE);
        p.putInt(IrqLevel.IRQ, gsi);
        for (int level = 1; level >= 0; level--) {
            p.putInt(IrqLevel.LEVEL, level);
            if (LibC.get().ioctl(vmFd, KVM_IRQ_LINE, p) < 0) {
                LOG.warn("interrupt {}: {}", gsi, NativeException.last("KVM_IRQ_LINE level " + level).getMessage());
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "KVM_IRQ_LINE " + gsi;
    }
}
