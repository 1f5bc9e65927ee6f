package org.altovirt.devices.virtio;

/**
 * What a device tells its driver through the transport: used buffers, a configuration change, or
 * that it broke. The transport gives one to its device with {@link VirtioDevice#bind}. Each call
 * may come from any thread and never blocks on the device, so a device may call it while holding
 * its own lock.
 */
public interface DeviceSignals {
    /** Raises a used-buffer interrupt (the caller has checked {@link SplitQueue#needsInterrupt()}). */
    void usedBuffers();

    /**
     * Runs {@code change} (which updates the device's configuration space) atomically with respect
     * to the driver's reads of the configuration space and ConfigGeneration, then bumps
     * ConfigGeneration and, once the driver is running, raises a configuration-change interrupt.
     * The caller must not hold a lock that the device's {@code readConfig} takes.
     */
    void changeConfig(Runnable change);

    /**
     * The device cannot go on (the driver broke a rule, {@code reason} says which): the transport
     * logs it once, sets DEVICE_NEEDS_RESET, raises a configuration-change interrupt and stops
     * passing notifications until the driver resets the device.
     */
    void failed(String reason);

    /** Signals for a device not on a transport yet: changes just run. */
    DeviceSignals NONE = new DeviceSignals() {
        @Override
        public void usedBuffers() {}

        @Override
        public void changeConfig(Runnable change) {
            change.run();
        }

        @Override
        public void failed(String reason) {}
    };
}
