package org.altovirt.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * What a command handler produced: the value of {@code return}, and optionally work to do once
 * that reply has been written to the client ({@code quit} shuts the VM down only after its
 * {@code {"return":{}}} is on the wire, so SHUTDOWN follows it as the document shows).
 */
public record CommandResult(JsonNode value, Runnable afterReply) {
    private static final Runnable NOTHING = () -> {};

    public CommandResult {
        afterReply = afterReply == null ? NOTHING : afterReply;
    }

    /** {@code {"return":{}}}. */
    public static CommandResult empty() {
        return new CommandResult(JsonNodeFactory.instance.objectNode(), NOTHING);
    }

    public static CommandResult of(JsonNode value) {
        return new CommandResult(value, NOTHING);
    }

    /** {@code {"return":{}}}, then {@code afterReply} once it has been sent. */
    public static CommandResult emptyThen(Runnable afterReply) {
        return new CommandResult(JsonNodeFactory.instance.objectNode(), afterReply);
    }
}
