package org.altovirt.accel;

/**
 * The vCPU of a VM that has no guest code loaded (started without {@code -kernel}, or before the
 * Linux loader lands): it executes nothing and stays halted, as a CPU with no code would, until
 * the VMM takes its thread back.
 */
public final class NoGuest implements VcpuBackend {
    private boolean kicked;

    @Override
    public synchronized VcpuExit run() {
        while (!kicked) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        kicked = false;
        return new VcpuExit.Kicked();
    }

    @Override
    public synchronized void kick() {
        kicked = true;
        notifyAll();
    }

    @Override
    public boolean halted() {
        return true;
    }

    /** Nothing runs here, so there is nothing to save: the state says so. */
    @Override
    public com.fasterxml.jackson.databind.node.ObjectNode saveState() {
        return org.altovirt.state.State.object().put("runs", "nothing");
    }

    @Override
    public void restoreState(com.fasterxml.jackson.databind.JsonNode state) throws org.altovirt.state.StateException {
        if (!"nothing".equals(state.path("runs").asText())) {
            throw new org.altovirt.state.StateException("this vCPU runs no code, but the snapshot's ran some");
        }
    }
}
