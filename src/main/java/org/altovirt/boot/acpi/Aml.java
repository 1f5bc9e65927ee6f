package org.altovirt.boot.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * ACPI Machine Language, the part of it a microVM's DSDT needs (ACPI 6.5, chapter 20): names,
 * scopes, devices, methods, integers, strings, packages, buffers and Notify. Each factory
 * returns a {@link Term} that knows its own encoding; a tree of them is a definition block's
 * body. Integers take the shortest form iasl would choose (Zero, One, Ones, then byte, word,
 * dword and qword prefixes), so a table built here equals iasl's output for the same ASL
 * (AmlTest checks that byte for byte).
 */
public final class Aml {
    // Opcodes (ACPI 6.5, 20.3).
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0A;
    static final int WORD_PREFIX = 0x0B;
    static final int DWORD_PREFIX = 0x0C;
    static final int STRING_PREFIX = 0x0D;
    static final int QWORD_PREFIX = 0x0E;
    static final int SCOPE_OP = 0x10;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int METHOD_OP = 0x14;
    static final int DUAL_NAME_PREFIX = 0x2E;
    static final int MULTI_NAME_PREFIX = 0x2F;
    static final int ROOT_CHAR = '\\';
    static final int EXT_OP_PREFIX = 0x5B;
    static final int DEVICE_OP = 0x82;
    static final int NOTIFY_OP = 0x86;
    static final int ONES_OP = 0xFF;

    private Aml() {}

    /** A piece of AML: a term, a data object or a name. */
    @FunctionalInterface
    public interface Term {
        void encode(ByteArrayOutputStream out);

        /** This term's bytes. */
        default byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            encode(out);
            return out.toByteArray();
        }
    }

    /** An integer constant, in the shortest encoding. */
    public static Term integer(long value) {
        return out -> {
            if (value == 0) {
                out.write(ZERO_OP);
            } else if (value == 1) {
                out.write(ONE_OP);
            } else if (value == -1) {
                out.write(ONES_OP);
            } else if ((value & ~0xFFL) == 0) {
                out.write(BYTE_PREFIX);
                littleEndian(out, value, 1);
            } else if ((value & ~0xFFFFL) == 0) {
                out.write(WORD_PREFIX);
                littleEndian(out, value, 2);
            } else if ((value & ~0xFFFF_FFFFL) == 0) {
                out.write(DWORD_PREFIX);
                littleEndian(out, value, 4);
            } else {
                out.write(QWORD_PREFIX);
                littleEndian(out, value, 8);
            }
        };
    }

    /** A NUL-terminated ASCII string. */
    public static Term string(String value) {
        byte[] ascii = ascii(value);
        return out -> {
            out.write(STRING_PREFIX);
            out.writeBytes(ascii);
            out.write(0);
        };
    }

    /**
     * {@code EisaId("PNP0C0C")}: a compressed EISA id, three letters of five bits each then four
     * hex digits, stored big-endian in a dword (always the dword form, as iasl writes it).
     */
    public static Term eisaId(String id) {
        if (id.length() != 7 || !id.substring(0, 3).chars().allMatch(c -> c >= 'A' && c <= 'Z')
                || !id.substring(3).chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("EISA id '" + id + "' is not three capitals and four hex digits");
        }
        long v = ((long) (id.charAt(0) - '@') << 26) | ((long) (id.charAt(1) - '@') << 21)
                | ((long) (id.charAt(2) - '@') << 16) | Long.parseLong(id.substring(3), 16);
        long swapped = Integer.reverseBytes((int) v) & 0xFFFF_FFFFL;
        return out -> {
            out.write(DWORD_PREFIX);
            littleEndian(out, swapped, 4);
        };
    }

    /** {@code Name(name, value)}. */
    public static Term name(String name, Term value) {
        byte[] path = namePath(name);
        return out -> {
            out.write(NAME_OP);
            out.writeBytes(path);
            value.encode(out);
        };
    }

    /** {@code Scope(name) { body }}. */
    public static Term scope(String name, List<Term> body) {
        return packaged(new int[] {SCOPE_OP}, name, null, body);
    }

    /** {@code Device(name) { body }}. */
    public static Term device(String name, List<Term> body) {
        return packaged(new int[] {EXT_OP_PREFIX, DEVICE_OP}, name, null, body);
    }

    /** {@code Method(name, args, Serialized|NotSerialized) { body }}, sync level 0. */
    public static Term method(String name, int args, boolean serialized, List<Term> body) {
        if (args < 0 || args > 7) {
            throw new IllegalArgumentException("a method takes 0 to 7 arguments, not " + args);
        }
        int flags = args | (serialized ? 0x08 : 0);
        return packaged(new int[] {METHOD_OP}, name, flags, body);
    }

    /** {@code Notify(target, value)}. */
    public static Term notify(String target, long value) {
        byte[] path = namePath(target);
        Term v = integer(value);
        return out -> {
            out.write(NOTIFY_OP);
            out.writeBytes(path);
            v.encode(out);
        };
    }

    /** {@code Package(n) { elements }}: at most 255 elements. */
    public static Term pkg(List<Term> elements) {
        if (elements.size() > 0xFF) {
            throw new IllegalArgumentException("a Package holds at most 255 elements, not " + elements.size());
        }
        return out -> {
            ByteArrayOutputStream inner = new ByteArrayOutputStream();
            inner.write(elements.size());
            elements.forEach(e -> e.encode(inner));
            out.write(PACKAGE_OP);
            pkgLength(out, inner.size());
            out.writeBytes(inner.toByteArray());
        };
    }

    /** {@code Buffer(size) { bytes }}, the size written as an integer constant. */
    public static Term buffer(byte[] contents) {
        byte[] copy = contents.clone();
        return out -> {
            ByteArrayOutputStream inner = new ByteArrayOutputStream();
            integer(copy.length).encode(inner);
            inner.writeBytes(copy);
            out.write(BUFFER_OP);
            pkgLength(out, inner.size());
            out.writeBytes(inner.toByteArray());
        };
    }

    private static Term packaged(int[] opcode, String name, Integer flags, List<Term> body) {
        byte[] path = namePath(name);
        return out -> {
            ByteArrayOutputStream inner = new ByteArrayOutputStream();
            inner.writeBytes(path);
            if (flags != null) {
                inner.write(flags);
            }
            body.forEach(t -> t.encode(inner));
            for (int b : opcode) {
                out.write(b);
            }
            pkgLength(out, inner.size());
            out.writeBytes(inner.toByteArray());
        };
    }

    /**
     * PkgLength (20.2.4): the length of what follows plus the PkgLength bytes themselves; one
     * byte up to 63, else a lead byte (count of following bytes in bits 7-6, the low nibble in
     * bits 3-0) and up to three more bytes.
     */
    static void pkgLength(ByteArrayOutputStream out, int contentLength) {
        if (contentLength + 1 < 0x40) {
            out.write(contentLength + 1);
            return;
        }
        for (int extra = 1; extra <= 3; extra++) {
            long total = contentLength + 1L + extra;
            if (total < (1L << (4 + 8 * extra))) {
                out.write((extra << 6) | (int) (total & 0xF));
                littleEndian(out, total >> 4, extra);
                return;
            }
        }
        throw new IllegalArgumentException("AML package of " + contentLength + " bytes is too long");
    }

    /**
     * A name path: {@code \} for the root, then one, two (DualNamePrefix) or more
     * (MultiNamePrefix) segments separated by dots, each padded with '_' to four characters.
     */
    static byte[] namePath(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String rest = path;
        if (rest.startsWith("\\")) {
            out.write(ROOT_CHAR);
            rest = rest.substring(1);
        }
        String[] segments = rest.split("\\.", -1);
        if (segments.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segments.length > 2) {
            out.write(MULTI_NAME_PREFIX);
            out.write(segments.length);
        }
        for (String s : segments) {
            out.writeBytes(nameSeg(s, path));
        }
        return out.toByteArray();
    }

    private static byte[] nameSeg(String segment, String path) {
        boolean valid = !segment.isEmpty() && segment.length() <= 4
                && (Character.isUpperCase(segment.charAt(0)) || segment.charAt(0) == '_')
                && segment.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
        if (!valid) {
            throw new IllegalArgumentException("'" + segment + "' in '" + path + "' is not an ACPI name segment");
        }
        return ascii((segment + "___").substring(0, 4));
    }

    static void littleEndian(ByteArrayOutputStream out, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (value >>> (8 * i)) & 0xFF);
        }
    }

    static byte[] ascii(String s) {
        if (!StandardCharsets.US_ASCII.newEncoder().canEncode(s) || s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("'" + s + "' is not plain ASCII");
        }
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
