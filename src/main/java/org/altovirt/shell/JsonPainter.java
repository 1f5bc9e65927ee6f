package org.altovirt.shell;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * JSON laid out for reading, with a style per kind of token (member names, strings, numbers,
 * literals). A container that fits on the rest of its line stays on one line; a larger one gets a
 * line per member, indented by two. Without a terminal the styles are simply dropped, so piped
 * output is the same text, plain.
 */
final class JsonPainter {
    static final AttributedStyle KEY = AttributedStyle.DEFAULT.foreground(AttributedStyle.BLUE).bold();
    static final AttributedStyle STRING = AttributedStyle.DEFAULT.foreground(AttributedStyle.GREEN);
    static final AttributedStyle NUMBER = AttributedStyle.DEFAULT.foreground(AttributedStyle.CYAN);
    static final AttributedStyle LITERAL = AttributedStyle.DEFAULT.foreground(AttributedStyle.MAGENTA);
    static final int WIDTH = 80;

    private JsonPainter() {}

    static AttributedString paint(JsonNode value) {
        AttributedStringBuilder out = new AttributedStringBuilder();
        write(out, value, 0, 0);
        return out.toAttributedString();
    }

    /** One line, however long: for events and echoes. */
    static AttributedString paintInline(JsonNode value) {
        AttributedStringBuilder out = new AttributedStringBuilder();
        inline(out, value);
        return out.toAttributedString();
    }

    /** Writes {@code value} whose first character goes at column {@code column}, members indented by {@code indent}. */
    private static void write(AttributedStringBuilder out, JsonNode value, int indent, int column) {
        if (!value.isContainerNode() || column + inlineLength(value) <= WIDTH) {
            inline(out, value);
            return;
        }
        String pad = " ".repeat(indent + 2);
        if (value.isArray()) {
            out.append("[\n");
            for (int i = 0; i < value.size(); i++) {
                out.append(pad);
                write(out, value.get(i), indent + 2, indent + 2);
                out.append(i + 1 < value.size() ? ",\n" : "\n");
            }
            out.append(" ".repeat(indent)).append("]");
            return;
        }
        out.append("{\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = quote(e.getKey());
            out.append(pad).styled(KEY, key).append(": ");
            write(out, e.getValue(), indent + 2, indent + 2 + key.length() + 2);
            out.append(it.hasNext() ? ",\n" : "\n");
        }
        out.append(" ".repeat(indent)).append("}");
    }

    private static void inline(AttributedStringBuilder out, JsonNode value) {
        if (value.isObject()) {
            out.append("{");
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.styled(KEY, quote(e.getKey())).append(": ");
                inline(out, e.getValue());
                if (it.hasNext()) {
                    out.append(", ");
                }
            }
            out.append("}");
        } else if (value.isArray()) {
            out.append("[");
            for (int i = 0; i < value.size(); i++) {
                inline(out, value.get(i));
                if (i + 1 < value.size()) {
                    out.append(", ");
                }
            }
            out.append("]");
        } else {
            out.styled(style(value), value.toString());
        }
    }

    private static int inlineLength(JsonNode value) {
        AttributedStringBuilder b = new AttributedStringBuilder();
        inline(b, value);
        return b.length();
    }

    private static AttributedStyle style(JsonNode scalar) {
        if (scalar.isTextual()) {
            return STRING;
        }
        return scalar.isNumber() ? NUMBER : LITERAL;
    }

    private static String quote(String s) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(s).toString();
    }
}
