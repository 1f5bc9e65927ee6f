package org.altovirt.accel.kvm;

import org.altovirt.sys.NativeException;

/**
 * KVM could not do what the VMM needs: {@code /dev/kvm} does not open, a capability is missing
 * (QMP's {@code KVMMissingCap}), or an ioctl failed. The message names the call or capability and
 * the errno text, fit for the console as it is.
 */
public final class KvmException extends Exception {
    private final boolean missingCapability;

    KvmException(String message, Throwable cause, boolean missingCapability) {
        super(message, cause);
        this.missingCapability = missingCapability;
    }

    /** {@code call} (an ioctl and what it was for) failed with the errno it saved on this thread. */
    static KvmException last(String call) {
        NativeException e = NativeException.last(call);
        return new KvmException(e.getMessage(), e, false);
    }

    static KvmException missing(String capability, int number) {
        return new KvmException("KVM lacks " + capability + " (capability " + number
                + "), which altovirt needs; a newer host kernel has it", null, true);
    }

    /** Whether this is a missing KVM capability (QMP error class {@code KVMMissingCap}). */
    public boolean missingCapability() {
        return missingCapability;
    }
}
