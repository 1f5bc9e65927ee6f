package org.altovirt.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Carries out one QMP command. The arguments have already been checked against the command's
 * schema; the handler checks what a schema cannot (a referenced id exists, the state allows it)
 * and throws {@link QmpException} before changing anything.
 */
@FunctionalInterface
public interface CommandHandler {
    CommandResult handle(ObjectNode arguments) throws QmpException;
}
