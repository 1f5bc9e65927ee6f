package org.altovirt.accel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.altovirt.state.StateException;

/**
 * What a vCPU thread runs: the guest's instructions on one virtual CPU, through KVM or the
 * interpreter. The machine's vCPU thread calls {@link #run} in a loop while the VM runs, and
 * {@link #kick} from another thread to get it back (to pause, or to shut down).
 */
public interface VcpuBackend {
    /**
     * Runs guest code on the calling thread until {@link #kick} is called or the guest stops the
     * machine; returns promptly after a kick, also one that came before the call.
     */
    VcpuExit run();

    /** Makes the current or next {@link #run} return; safe from any thread. */
    void kick();

    /** Whether the vCPU is halted (waiting for an interrupt, or has no code to run). */
    boolean halted();

    /**
     * The vCPU's architectural state for a snapshot; called while the vCPU is out of guest code
     * (the VM is paused).
     */
    default ObjectNode saveState() throws StateException {
        throw new StateException("this vCPU has no guest state to save");
    }

    /** Loads what {@link #saveState} saved, before the vCPU first runs. */
    default void restoreState(JsonNode state) throws StateException {
        throw new StateException("this vCPU cannot take a saved state");
    }
}
