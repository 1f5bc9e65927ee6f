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
}
