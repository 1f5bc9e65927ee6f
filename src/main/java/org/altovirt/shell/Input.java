package org.altovirt.shell;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** What one line of input asks for, once read and checked. */
sealed interface Input {
    /** A blank line or a {@code #} comment. */
    record Nothing() implements Input {}

    /** {@code help}, or {@code help COMMAND}. */
    record Help(Optional<String> command) implements Input {}

    /** {@code console}: attach the terminal to the guest's serial port. */
    record Console() implements Input {}

    /** {@code exit}: leave the shell. */
    record Exit() implements Input {}

    /** A command that passed its schema's check, ready to send. */
    record Send(String command, ObjectNode message) implements Input {}
}
