package org.altovirt.config;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One QEMU-style option value, {@code "virtio-blk-device,drive=rootfs,id=blk0"}: parts split at
 * commas ({@code ",,"} is a literal comma, as in QEMU), each {@code key=value} or a bare word. A
 * bare first word is the value of the option's implied key ({@code type}, {@code driver},
 * {@code cpus}...); other bare words are flags ({@code server}, {@code readonly}).
 *
 * <p>{@link #parse} never fails; the getters report what is wrong, prefixed with the option's
 * description set by {@link #named}.
 */
final class KeyValues {
    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9._-]*");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

    /** One part; {@code value} is null for a bare word. */
    private record Part(String key, String value) {}

    private final String where;
    private final List<Part> parts;

    private KeyValues(String where, List<Part> parts) {
        this.where = where;
        this.parts = parts;
    }

    /** Splits {@code raw}; a bare first word becomes {@code impliedKey=word} (when not null). */
    static KeyValues parse(String raw, String impliedKey) {
        List<Part> parts = new ArrayList<>();
        for (String item : splitCommas(raw)) {
            if (item.isEmpty()) {
                continue; // "a=b," is a harmless trailing comma
            }
            int eq = item.indexOf('=');
            if (eq >= 0) {
                parts.add(new Part(item.substring(0, eq), item.substring(eq + 1)));
            } else if (parts.isEmpty() && impliedKey != null) {
                parts.add(new Part(impliedKey, item));
            } else {
                parts.add(new Part(item, null));
            }
        }
        return new KeyValues("", List.copyOf(parts));
    }

    private static List<String> splitCommas(String raw) {
        List<String> items = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == ',' && i + 1 < raw.length() && raw.charAt(i + 1) == ',') {
                current.append(',');
                i++;
            } else if (c == ',') {
                items.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        items.add(current.toString());
        return items;
    }

    /** The same parts, with errors prefixed by {@code where} (e.g. {@code "-drive id=rootfs"}). */
    KeyValues named(String where) {
        return new KeyValues(where, parts);
    }

    /** The prefix of this value's error messages. */
    String where() {
        return where;
    }

    /** An error about this value: {@code "<where>: <message>"}. */
    ConfigException error(String message) {
        return new ConfigException(where + ": " + message);
    }

    /**
     * Fails on a key not in {@code allowed} (the message lists them, in order) or a key given
     * twice.
     */
    KeyValues allow(Collection<String> allowed) throws ConfigException {
        return allow(allowed, allowed);
    }

    /** As {@link #allow(Collection)}, listing only {@code shown} in the message. */
    KeyValues allow(Collection<String> allowed, Collection<String> shown) throws ConfigException {
        Set<String> seen = new HashSet<>();
        for (Part p : parts) {
            if (!allowed.contains(p.key())) {
                throw error("unknown parameter '" + p.key() + "' (allowed: "
                        + String.join(", ", shown) + ")");
            }
            if (!seen.add(p.key())) {
                throw error("parameter '" + p.key() + "' is given twice");
            }
        }
        return this;
    }

    /** Whether {@code key} is present, with or without a value. */
    boolean has(String key) {
        return parts.stream().anyMatch(p -> p.key().equals(key));
    }

    /** The value of {@code key}; null when absent; an error when it is a bare word. */
    String string(String key) throws ConfigException {
        for (Part p : parts) {
            if (p.key().equals(key)) {
                if (p.value() == null) {
                    throw error(key + " needs a value (" + key + "=...)");
                }
                return p.value();
            }
        }
        return null;
    }

    /** The non-empty value of {@code key}; an error when absent or empty. */
    String required(String key) throws ConfigException {
        String value = string(key);
        if (value == null || value.isEmpty()) {
            throw error(key + " is required");
        }
        return value;
    }

    /** The value of {@code key} checked as an id ({@link #checkId}); null when absent. */
    String id(String key) throws ConfigException {
        String value = string(key);
        if (value != null) {
            checkId(where, key, value);
        }
        return value;
    }

    /**
     * An on/off switch: {@code on|off|true|false}; a bare {@code key} means on; {@code dflt}
     * when absent.
     */
    boolean onOff(String key, boolean dflt) throws ConfigException {
        for (Part p : parts) {
            if (p.key().equals(key)) {
                if (p.value() == null) {
                    return true;
                }
                switch (p.value()) {
                    case "on", "true":
                        return true;
                    case "off", "false":
                        return false;
                    default:
                        throw error(key + " must be on, off, true or false (got '" + p.value() + "')");
                }
            }
        }
        return dflt;
    }

    /**
     * A whole number from {@code min} to {@code max}; {@code absent} when the key is absent. The
     * message says {@code "must be between MIN and MAX"}, or {@code "must be at least MIN"} when
     * {@code max} is {@link Long#MAX_VALUE}.
     */
    long number(String key, long min, long max, long absent) throws ConfigException {
        String value = string(key);
        if (value == null) {
            return absent;
        }
        String rule = max == Long.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
        if (!DIGITS.matcher(value).matches()) {
            if (value.matches("[0-9]+")) {
                throw error(key + " must be " + rule);
            }
            throw error(key + " must be a whole number " + rule + " (got '" + value + "')");
        }
        long n = Long.parseLong(value);
        if (n < min || n > max) {
            throw error(key + " must be " + rule);
        }
        return n;
    }

    /**
     * Fails unless {@code id} starts with a letter and has only letters, digits, '-', '.' and
     * '_' (QEMU's rule, so that QMP can name it).
     */
    static void checkId(String where, String key, String id) throws ConfigException {
        if (!ID.matcher(id).matches()) {
            throw new ConfigException(where + ": " + key + " '" + id
                    + "' must start with a letter and hold only letters, digits, '-', '.' and '_'");
        }
    }
}
