package org.altovirt.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Where the machine reports QMP events (STOP, RESUME, SHUTDOWN, DEVICE_DELETED...). */
@FunctionalInterface
public interface EventSink {
    /**
     * Sends event {@code name} with {@code data} to the connected client, if any. Returns once the
     * event has been written (or dropped for want of a client), so an event emitted inside a
     * command handler reaches the client before that command's reply.
     */
    void emit(String name, ObjectNode data);
}
