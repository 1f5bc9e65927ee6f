package org.altovirt.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;

/**
 * Reading and writing the pieces of a saved state (a snapshot's {@code state} file): JSON objects
 * whose numbers are exact (64-bit values as unsigned hex strings, so no reader rounds them) and
 * whose binary blobs are base64. A missing or ill-typed field is a {@link StateException} naming
 * it under {@code where}.
 */
public final class State {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private State() {}

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /** A 64-bit value as {@code "0x..."} (JSON numbers past 2^53 are not exact in every reader). */
    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static JsonNode field(JsonNode node, String name, String where) throws StateException {
        JsonNode v = node == null ? null : node.get(name);
        if (v == null || v.isNull()) {
            throw new StateException(where + ": '" + name + "' is missing");
        }
        return v;
    }

    /** A value written by {@link #hex}. */
    public static long hexLong(JsonNode node, String name, String where) throws StateException {
        JsonNode v = field(node, name, where);
        String s = v.asText();
        if (!v.isTextual() || !s.startsWith("0x") || s.length() < 3 || s.length() > 18) {
            throw new StateException(where + ": '" + name + "' must be a hex string like 0x1f, not " + v);
        }
        try {
            return Long.parseUnsignedLong(s.substring(2), 16);
        } catch (NumberFormatException e) {
            throw new StateException(where + ": '" + name + "' must be a hex string like 0x1f, not " + v);
        }
    }

    /** Element {@code i} of an array of {@link #hex} strings. */
    public static long hexAt(JsonNode array, int i, String where) throws StateException {
        JsonNode holder = object().set("v", array.get(i));
        return hexLong(holder, "v", where + " [" + i + "]");
    }

    /** A JSON integer in [min, max]. */
    public static long integer(JsonNode node, String name, long min, long max, String where) throws StateException {
        JsonNode v = field(node, name, where);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new StateException(where + ": '" + name + "' must be an integer from " + min + " to " + max + ", not " + v);
        }
        return v.asLong();
    }

    public static int integer(JsonNode node, String name, String where) throws StateException {
        return (int) integer(node, name, Integer.MIN_VALUE, Integer.MAX_VALUE, where);
    }

    public static boolean bool(JsonNode node, String name, String where) throws StateException {
        JsonNode v = field(node, name, where);
        if (!v.isBoolean()) {
            throw new StateException(where + ": '" + name + "' must be true or false, not " + v);
        }
        return v.asBoolean();
    }

    public static String text(JsonNode node, String name, String where) throws StateException {
        JsonNode v = field(node, name, where);
        if (!v.isTextual()) {
            throw new StateException(where + ": '" + name + "' must be a string, not " + v);
        }
        return v.asText();
    }

    /** Base64 bytes of exactly {@code length} (a kernel structure of a known size). */
    public static byte[] blob(JsonNode node, String name, int length, String where) throws StateException {
        byte[] b;
        try {
            b = Base64.getDecoder().decode(text(node, name, where));
        } catch (IllegalArgumentException e) {
            throw new StateException(where + ": '" + name + "' is not base64");
        }
        if (length >= 0 && b.length != length) {
            throw new StateException(where + ": '" + name + "' holds " + b.length + " bytes, not " + length);
        }
        return b;
    }
}
