package org.altovirt.devices.serial;

/** {@code -serial none}: the port exists, its output goes nowhere and it never receives. */
final class NullBackend implements SerialBackend {
    @Override
    public void write(int b) {
        // discarded
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        // discarded
    }

    @Override
    public void start(SerialInput input) {
        // no input
    }

    @Override
    public void close() {
        // nothing held
    }

    @Override
    public String toString() {
        return "serial: none";
    }
}
