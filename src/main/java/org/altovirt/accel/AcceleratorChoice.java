package org.altovirt.accel;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * Picks the accelerator (architecture.md, Accelerators): {@code kvm} when asked for or when
 * {@code /dev/kvm} opens, {@code emu} when asked for or as the fallback.
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
     * @param kvmDevice normally {@code /dev/kvm}
     */
    public static Choice choose(Kind requested, String kvmDevice) throws Unavailable {
        String kvmProblem = probe(kvmDevice);
        if (requested == Kind.EMU) {
            return new Choice(Kind.EMU, null);
        }
        if (requested == Kind.KVM) {
            if (kvmProblem != null) {
                throw new Unavailable("-accel kvm: cannot open " + kvmDevice + " (" + kvmProblem + "); use -accel emu");
            }
            return new Choice(Kind.KVM, null);
        }
        return kvmProblem == null
                ? new Choice(Kind.KVM, "using the kvm accelerator (" + kvmDevice + ")")
                : new Choice(Kind.EMU, "using the emu accelerator: cannot open " + kvmDevice + " (" + kvmProblem + ")");
    }

    /** Null when the device opens for reading and writing, else why not. */
    private static String probe(String device) {
        try (RandomAccessFile f = new RandomAccessFile(device, "rw")) {
            return null;
        } catch (IOException e) {
            String m = e.getMessage();
            int paren = m == null ? -1 : m.lastIndexOf('(');
            return paren >= 0 ? m.substring(paren + 1, m.length() - 1) : String.valueOf(m);
        }
    }
}
