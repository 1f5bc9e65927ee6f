package org.altovirt.accel;

import java.util.function.Supplier;

/**
 * Picks the accelerator: {@code kvm} when asked for or when KVM is usable, {@code emu} when
 * asked for or as the fallback. Whether KVM is usable is the KVM probe's answer
 * ({@code accel.kvm.KvmProbe}), asked only when the choice depends on it.
 */
public final class AcceleratorChoice {
    /** The accelerators altovirt has. */
    public enum Kind { KVM, EMU }

    /** The choice made, and the line to tell the user when it was made for them (else null). */
    public record Choice(Kind kind, String notice) {}

    /** Why {@code -accel kvm} cannot be honoured. */
    public static final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    private AcceleratorChoice() {}

    /**
     * @param requested the accelerator named by {@code -accel}, or null for "whichever works"
     * @param kvmDevice the KVM device's path, for the messages
     * @param kvmProblem the probe: null when KVM is usable, else why not; not called for emu
     */
    public static Choice choose(Kind requested, String kvmDevice, Supplier<String> kvmProblem) throws Unavailable {
        if (requested == Kind.EMU) {
            return new Choice(Kind.EMU, null);
        }
        String problem = kvmProblem.get();
        if (requested == Kind.KVM) {
            if (problem != null) {
                throw new Unavailable("-accel kvm: " + kvmDevice + ": " + problem + "; use -accel emu");
            }
            return new Choice(Kind.KVM, null);
        }
        return problem == null
                ? new Choice(Kind.KVM, "using the kvm accelerator (" + kvmDevice + ")")
                : new Choice(Kind.EMU, "using the emu accelerator: " + kvmDevice + ": " + problem);
    }
}
