package org.altovirt.qmp.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** An event as the server sent it: name, data and the server's wall-clock timestamp. */
public record QmpEvent(String name, ObjectNode data, Instant timestamp) {}
