package org.altovirt.shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One command as its schema document describes it: what it does, its arguments, and the check a
 * message for it must pass before the shell sends it.
 */
final class CommandSchema {
    private final String name;
    private final SchemaNode document;
    private final Supplier<Schema> compiled;

    CommandSchema(String name, SchemaNode document, Supplier<Schema> compiled) {
        this.name = name;
        this.document = document;
        this.compiled = compiled;
    }

    String name() {
        return name;
    }

    /** The document's description, without its "Source: ..." note (that is for maintainers). */
    String description() {
        String d = document.node().path("description").asText("");
        int source = d.indexOf(" Source:");
        return source >= 0 ? d.substring(0, source).strip() : d.strip();
    }

    /** The schema of the {@code arguments} member; empty when the command declares none. */
    Optional<SchemaNode> arguments() {
        return document.property("arguments");
    }

    /** Whether a message for this command must carry {@code arguments}. */
    boolean requiresArguments() {
        return document.required().contains("arguments");
    }

    /** The schema at the dotted {@code path} inside the arguments, if the schema declares it. */
    Optional<SchemaNode> argument(List<String> path) {
        Optional<SchemaNode> at = arguments();
        for (String member : path) {
            if (at.isEmpty()) {
                break;
            }
            at = at.get().property(member);
        }
        return at;
    }

    /**
     * Every argument the short form can name: members of the arguments object, and members of
     * nested objects (that declare theirs) with dotted names, in document order.
     */
    List<Argument> flatArguments() {
        List<Argument> out = new ArrayList<>();
        arguments().ifPresent(a -> flatten("", a, true, out, 0));
        return out;
    }

    private static void flatten(String prefix, SchemaNode object, boolean parentRequired, List<Argument> out, int depth) {
        if (depth > 8) {
            return; // a recursive schema: the short form does not go deeper
        }
        Set<String> required = object.required();
        for (String member : object.propertyNames()) {
            SchemaNode s = object.property(member).orElseThrow();
            String name = prefix + member;
            boolean req = parentRequired && required.contains(member);
            if (s.types().equals(Set.of("object")) && s.hasProperties()) {
                flatten(name + ".", s, req, out, depth + 1);
            } else {
                List<String> choices = s.choices().stream().map(ShortForm::text).toList();
                if (choices.isEmpty() && s.types().equals(Set.of("boolean"))) {
                    choices = List.of("true", "false");
                }
                out.add(new Argument(name, s.types(), s.description(), req, choices, s.isPath()));
            }
        }
    }

    /** Every way {@code message} breaks this command's schema, each naming its field; empty when it conforms. */
    List<Problem> check(JsonNode message) {
        List<Problem> problems = new ArrayList<>();
        for (Error e : compiled.get().validate(message)) {
            problems.add(problem(e, message));
        }
        return problems;
    }

    private Problem problem(Error e, JsonNode message) {
        List<String> path = new ArrayList<>();
        var location = e.getInstanceLocation();
        for (int i = 0; i < location.getNameCount(); i++) {
            path.add(String.valueOf(location.getElement(i)));
        }
        JsonNode value = message;
        for (String p : path) {
            value = value.isArray() ? value.path(Integer.parseInt(p)) : value.path(p);
        }
        Object[] args = e.getArguments() == null ? new Object[0] : e.getArguments();
        String keyword = e.getKeyword() == null ? "" : e.getKeyword();
        switch (keyword) {
            case "required" -> {
                path.add(e.getProperty());
                return new Problem(path, "missing (it is required)");
            }
            case "additionalProperties", "unevaluatedProperties" -> {
                List<String> allowed = schemaAt(path).map(SchemaNode::propertyNames).orElse(List.of());
                String where = path.isEmpty() ? "a command"
                        : path.equals(List.of("arguments")) ? name
                        : new Problem(path, "").inside("arguments").field();
                path.add(e.getProperty());
                return new Problem(path, "unknown: " + (allowed.isEmpty()
                        ? where + " takes no arguments"
                        : where + " takes " + String.join(", ", allowed)));
            }
            case "type" -> {
                String expected = args.length > 1 ? String.valueOf(args[1]) : "another type";
                return new Problem(path, value + " is " + article(SchemaNode.jsonType(value))
                        + ", but it must be " + article(expected));
            }
            case "enum", "const" -> {
                Optional<SchemaNode> s = schemaAt(path);
                String allowed = s.map(n -> n.choices().stream().map(ShortForm::text).collect(Collectors.joining(", ")))
                        .orElse(String.valueOf(args.length > 0 ? args[0] : ""));
                return new Problem(path, value + " is not allowed; it must be one of: " + allowed);
            }
            default -> {
                return new Problem(path, e.getMessage() + " (it is " + value + ")");
            }
        }
    }

    /** The schema at a path into the whole message ({@code arguments}, {@code arguments.file}...). */
    private Optional<SchemaNode> schemaAt(List<String> messagePath) {
        if (messagePath.isEmpty()) {
            return Optional.of(document);
        }
        if (!messagePath.get(0).equals("arguments")) {
            return document.property(messagePath.get(0));
        }
        return argument(messagePath.subList(1, messagePath.size()));
    }

    private static String article(String type) {
        return switch (type) {
            case "integer", "object", "array" -> "an " + type;
            case "null" -> "null";
            default -> "a " + type;
        };
    }
}
