package org.altovirt.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Compares a received JSON value with the one a feature expects. The expected text may use the
 * string {@code "*"} for a value that varies from run to run (timestamps, thread ids); everything
 * else must be equal, with the same members and no others.
 */
final class JsonMatch {
    private JsonMatch() {}

    /** Null when {@code actual} matches {@code expected}, else where it differs. */
    static String mismatch(JsonNode expected, JsonNode actual) {
        return mismatch(expected, actual, "$");
    }

    private static String mismatch(JsonNode expected, JsonNode actual, String at) {
        if (expected.isTextual() && expected.asText().equals("*")) {
            return actual == null || actual.isMissingNode() ? at + " is missing" : null;
        }
        if (actual == null) {
            return at + " is missing";
        }
        if (expected.isObject()) {
            if (!actual.isObject()) {
                return at + " is " + actual + ", expected an object";
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String m = mismatch(e.getValue(), actual.get(e.getKey()), at + "." + e.getKey());
                if (m != null) {
                    return m;
                }
            }
            for (Iterator<String> it = actual.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!expected.has(name)) {
                    return at + "." + name + " is not expected (" + actual.get(name) + ")";
                }
            }
            return null;
        }
        if (expected.isArray()) {
            if (!actual.isArray() || actual.size() != expected.size()) {
                return at + " is " + actual + ", expected " + expected.size() + " elements";
            }
            for (int i = 0; i < expected.size(); i++) {
                String m = mismatch(expected.get(i), actual.get(i), at + "[" + i + "]");
                if (m != null) {
                    return m;
                }
            }
            return null;
        }
        if (expected.isNumber() && actual.isNumber()) {
            return expected.decimalValue().compareTo(actual.decimalValue()) == 0 ? null : at + " is " + actual + ", expected " + expected;
        }
        return expected.equals(actual) ? null : at + " is " + actual + ", expected " + expected;
    }
}
