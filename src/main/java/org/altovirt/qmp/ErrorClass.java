package org.altovirt.qmp;

/** The error classes a QMP error reply may carry (QEMU's list plus StratoVirt's OperationThrottled). */
public enum ErrorClass {
    GenericError,
    CommandNotFound,
    DeviceNotActive,
    DeviceNotFound,
    KVMMissingCap,
    OperationThrottled
}
