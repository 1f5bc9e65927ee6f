package org.altovirt.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.altovirt.schema.SchemaCatalog;
import org.altovirt.schema.Violation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one decoded client message into one reply: checks the envelope and the arguments against
 * their schemas (before any side effect), runs the handler, checks the reply against its schema.
 * Error wording follows QEMU's (docs/facts.md §1) so existing clients and people recognise it.
 */
final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ENVELOPE = "qmp/command.json";

    private final Commands commands;
    private final OutgoingCheck outgoing;

    Dispatcher(Commands commands, OutgoingCheck outgoing) {
        this.commands = commands;
        this.outgoing = outgoing;
    }

    /** A reply and what to do once it has been written. */
    record Reply(ObjectNode message, Runnable afterReply) {}

    Reply dispatch(JsonNode input) {
        JsonNode id = input.isObject() ? input.get("id") : null;
        try {
            String name = checkEnvelope(input);
            CommandHandler handler = commands.find(name).orElseThrow(() -> new QmpException(
                    ErrorClass.CommandNotFound, "The command " + name + " has not been found"));
            JsonNode given = input.get("arguments");
            ObjectNode arguments = given == null ? NODES.objectNode() : (ObjectNode) given;
            checkArguments(name, arguments);
            CommandResult result = handler.handle(arguments);
            return new Reply(success(name, result.value(), id), result.afterReply());
        } catch (QmpException e) {
            return new Reply(error(e.errorClass(), e.desc(), id), () -> {});
        } catch (RuntimeException e) {
            LOG.error("command failed unexpectedly: {}", input, e);
            return new Reply(error(ErrorClass.GenericError, "internal error: " + e, id), () -> {});
        }
    }

    /** The reply to input that is not JSON at all (no id can be known). */
    ObjectNode malformed(String detail) {
        return error(ErrorClass.GenericError, "JSON parse error, " + detail, null);
    }

    private static String checkEnvelope(JsonNode input) throws QmpException {
        if (!input.isObject()) {
            throw QmpException.generic("QMP input must be a JSON object");
        }
        List<Violation> violations = SchemaCatalog.classpath().get(ENVELOPE).check(input);
        if (violations.isEmpty()) {
            return input.get("execute").asText();
        }
        // QEMU names an unexpected member of the envelope before a missing one...
        Violation v = first(violations, "additionalProperties", "required", "type");
        throw QmpException.generic(switch (v.keyword()) {
            case "required" -> "QMP input lacks member '" + v.property() + "'";
            case "additionalProperties" -> "QMP input member '" + v.property() + "' is unexpected";
            case "type" -> "QMP input member '" + v.dottedPath() + "' must be "
                    + ("execute".equals(v.dottedPath()) ? "a string" : "an object");
            default -> "QMP input member '" + v.dottedMember() + "' is invalid: " + v.message();
        });
    }

    private static void checkArguments(String name, ObjectNode arguments) throws QmpException {
        List<Violation> violations = SchemaCatalog.classpath()
                .get(Commands.schemaPath(name) + "#/$defs/arguments").check(arguments);
        if (violations.isEmpty()) {
            return;
        }
        // ...but a missing argument before an unexpected one.
        Violation v = first(violations, "required", "type", "additionalProperties");
        throw QmpException.generic(switch (v.keyword()) {
            case "type" -> "Invalid parameter type for '" + v.dottedPath() + "', expected: "
                    + (v.arguments().size() > 1 ? v.arguments().get(1) : v.message());
            case "required" -> "Parameter '" + v.dottedMember() + "' is missing";
            case "additionalProperties" -> "Parameter '" + v.dottedMember() + "' is unexpected";
            case "enum", "const" -> "Parameter '" + v.dottedPath() + "' does not accept value "
                    + describeValue(arguments, v.path());
            default -> "Parameter '" + v.dottedPath() + "' is invalid: " + v.message()
                    .replaceFirst("^" + java.util.regex.Pattern.quote("/" + String.join("/", v.path())) + ":? *", "");
        });
    }

    private static String describeValue(JsonNode root, List<String> path) {
        JsonNode node = root;
        for (String p : path) {
            node = node.isArray() ? node.path(Integer.parseInt(p)) : node.path(p);
        }
        return node.isTextual() ? "'" + node.asText() + "'" : node.toString();
    }

    /** The violation to report when there are several: by keyword in {@code order}, then the rest. */
    private static Violation first(List<Violation> violations, String... order) {
        for (String keyword : order) {
            for (Violation v : violations) {
                if (v.keyword().equals(keyword)) {
                    return v;
                }
            }
        }
        return violations.get(0);
    }

    private ObjectNode success(String name, JsonNode value, JsonNode id) {
        ObjectNode reply = NODES.objectNode();
        reply.set("return", value);
        if (id != null) {
            reply.set("id", id);
        }
        String bug = outgoing.check(reply, value, "qmp/return.json", Commands.schemaPath(name) + "#/$defs/returns");
        if (bug != null && outgoing.strict()) {
            return error(ErrorClass.GenericError, "internal error: " + bug, id);
        }
        return reply;
    }

    private ObjectNode error(ErrorClass errorClass, String desc, JsonNode id) {
        ObjectNode reply = NODES.objectNode();
        ObjectNode error = reply.putObject("error");
        error.put("class", errorClass.name());
        error.put("desc", desc);
        if (id != null) {
            reply.set("id", id);
        }
        outgoing.check(reply, null, "qmp/error.json");
        return reply;
    }
}
