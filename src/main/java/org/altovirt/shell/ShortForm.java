package org.altovirt.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The short form, {@code COMMAND key=value ...}, turned into a command's {@code arguments} object.
 * Each value's JSON type comes from the command's schema at that key: integers (decimal, 0x hex,
 * or a size with a K/M/G/T/P suffix, 1024-based: {@code balloon value=2G}), numbers, booleans
 * ({@code true/false/on/off/yes/no}), null, strings, arrays (comma-separated, or JSON), and nested
 * objects named with dots ({@code file.filename=/tmp/d.img}) or written as JSON. A key the schema
 * does not know is kept (as a number, boolean or string, as it reads) for the schema check to
 * report.
 */
final class ShortForm {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TRUE = List.of("true", "on", "yes");
    private static final List<String> FALSE = List.of("false", "off", "no");
    private static final String SUFFIXES = "KMGTP";
    private static final Pattern INTEGER =
            Pattern.compile("(-)?(?:0x([0-9a-f]+)|([0-9]+)(?:([kmgtp])(?:i?b)?)?)", Pattern.CASE_INSENSITIVE);

    private ShortForm() {}

    /** The arguments object for {@code words}, each {@code key=value}. */
    static ObjectNode arguments(CommandSchema command, List<String> words) throws RejectedInput {
        ObjectNode args = NODES.objectNode();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq <= 0) {
                throw RejectedInput.of(eq == 0 ? "" : word, eq == 0
                        ? "'" + word + "' has no name before '='"
                        : "expected name=value (" + command.name() + "'s arguments: " + names(command) + ")");
            }
            List<String> path = Arrays.asList(word.substring(0, eq).split("\\.", -1));
            if (path.contains("")) {
                throw RejectedInput.of(word.substring(0, eq), "a dotted name has an empty part");
            }
            JsonNode value = value(String.join(".", path), word.substring(eq + 1), command.argument(path));
            put(args, path, value);
        }
        return args;
    }

    private static String names(CommandSchema command) {
        List<Argument> all = command.flatArguments();
        return all.isEmpty() ? "none" : String.join(", ", all.stream().map(Argument::name).toList());
    }

    private static void put(ObjectNode root, List<String> path, JsonNode value) throws RejectedInput {
        ObjectNode at = root;
        for (int i = 0; i < path.size() - 1; i++) {
            JsonNode next = at.get(path.get(i));
            if (next == null) {
                next = at.putObject(path.get(i));
            } else if (!next.isObject()) {
                throw RejectedInput.of(String.join(".", path.subList(0, i + 1)), "given both as a value and as an object");
            }
            at = (ObjectNode) next;
        }
        String last = path.get(path.size() - 1);
        if (at.has(last)) {
            throw RejectedInput.of(String.join(".", path), at.get(last).isObject() && !value.isObject()
                    ? "given both as a value and as an object" : "given twice");
        }
        at.set(last, value);
    }

    /** {@code text} as the JSON value the schema at {@code key} wants (when there is one). */
    static JsonNode value(String key, String text, Optional<SchemaNode> schema) throws RejectedInput {
        if (schema.isEmpty()) {
            return guess(text);
        }
        SchemaNode s = schema.get();
        for (JsonNode choice : s.choices()) {
            if (text(choice).equals(text)) {
                return choice;
            }
        }
        Set<String> types = s.types();
        if (types.isEmpty()) {
            return looksLikeJson(text) ? json(key, text) : guess(text);
        }
        if ((types.contains("object") || types.contains("array")) && looksLikeJson(text)) {
            return json(key, text);
        }
        if (types.contains("null") && text.equals("null")) {
            return NODES.nullNode();
        }
        if (types.contains("integer")) {
            Optional<Long> n = integer(text);
            if (n.isPresent()) {
                return integerNode(n.get());
            }
        }
        if (types.contains("number")) {
            Optional<JsonNode> n = number(text);
            if (n.isPresent()) {
                return n.get();
            }
        }
        if (types.contains("boolean")) {
            Optional<Boolean> b = bool(text);
            if (b.isPresent()) {
                return NODES.booleanNode(b.get());
            }
        }
        if (types.contains("string")) {
            return NODES.textNode(text);
        }
        if (types.contains("array")) {
            return list(key, text, s.items());
        }
        throw RejectedInput.of(key, "'" + text + "' is not " + expected(types));
    }

    private static String expected(Set<String> types) {
        return String.join(" or ", types.stream().sorted().map(t -> switch (t) {
            case "integer" -> "an integer (digits, 0x hex, or a size such as 512M or 2G)";
            case "number" -> "a number";
            case "boolean" -> "a boolean (true/false, on/off, yes/no)";
            case "object" -> "an object (name its members with dots, or write it as JSON)";
            case "null" -> "null";
            default -> "a " + t;
        }).toList());
    }

    private static JsonNode list(String key, String text, Optional<SchemaNode> items) throws RejectedInput {
        ArrayNode out = NODES.arrayNode();
        if (text.isEmpty()) {
            return out;
        }
        String[] parts = text.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            out.add(items.isPresent() ? value(key + "." + i, parts[i], items) : guess(parts[i]));
        }
        return out;
    }

    /** A value for a key no schema describes: a number, boolean or null as it reads, else a string. */
    private static JsonNode guess(String text) {
        if (text.matches("-?[0-9]+")) {
            Optional<Long> n = integer(text);
            if (n.isPresent()) {
                return integerNode(n.get());
            }
        }
        return switch (text) {
            case "true" -> NODES.booleanNode(true);
            case "false" -> NODES.booleanNode(false);
            case "null" -> NODES.nullNode();
            default -> NODES.textNode(text);
        };
    }

    private static boolean looksLikeJson(String text) {
        return text.startsWith("{") || text.startsWith("[");
    }

    private static JsonNode json(String key, String text) throws RejectedInput {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw RejectedInput.of(key, "'" + text + "' is not valid JSON: " + e.getOriginalMessage());
        }
    }

    /**
     * An integer as the short form writes it: decimal or 0x hex, optionally negative, optionally
     * followed by a size suffix K, M, G, T or P (powers of 1024, optionally with B or iB); empty
     * when {@code text} is none or does not fit in 64 bits.
     */
    static Optional<Long> integer(String text) {
        Matcher m = INTEGER.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        BigInteger n = m.group(2) != null ? new BigInteger(m.group(2), 16) : new BigInteger(m.group(3));
        if (m.group(4) != null) {
            n = n.shiftLeft(10 * (SUFFIXES.indexOf(m.group(4).toUpperCase(Locale.ROOT)) + 1));
        }
        if (m.group(1) != null) {
            n = n.negate();
        }
        return n.bitLength() < 64 ? Optional.of(n.longValue()) : Optional.empty();
    }

    private static Optional<JsonNode> number(String text) {
        Optional<Long> n = integer(text);
        if (n.isPresent()) {
            return Optional.of(integerNode(n.get()));
        }
        try {
            double d = Double.parseDouble(text);
            return Double.isFinite(d) && !text.matches(".*[a-zA-Z].*") ? Optional.of(NODES.numberNode(d)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The smallest node that holds {@code n}, so that equal values compare equal. */
    private static JsonNode integerNode(long n) {
        return n == (int) n ? NODES.numberNode((int) n) : NODES.numberNode(n);
    }

    private static Optional<Boolean> bool(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (TRUE.contains(t)) {
            return Optional.of(true);
        }
        return FALSE.contains(t) ? Optional.of(false) : Optional.empty();
    }

    /** A value as the short form writes it: a string bare, anything else as JSON. */
    static String text(JsonNode value) {
        return value.isTextual() ? value.asText() : value.toString();
    }
}
