package org.altovirt.machine;

/**
 * Why a hot-plug request (disk or NIC) was refused; the message is for the user.
 */
final class HotplugException extends Exception {
    private final boolean notFound;

    HotplugException(String message) {
        this(message, false);
    }

    HotplugException(String message, boolean notFound) {
        super(message);
        this.notFound = notFound;
    }

    /** Whether the request named a device that does not exist (QMP's DeviceNotFound). */
    boolean notFound() {
        return notFound;
    }
}
