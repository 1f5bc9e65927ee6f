package org.altovirt.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a short-form line into words as a POSIX shell would: blanks separate words; single
 * quotes keep everything; double quotes keep blanks, with {@code \"} and {@code \\} escapes; a
 * backslash outside quotes keeps the next character. Quotes may start anywhere in a word
 * ({@code file.filename="/tmp/my disk.img"}).
 */
final class Words {
    private Words() {}

    static List<String> split(String line) throws RejectedInput {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw unterminated('\'', i);
                }
                word.append(line, i + 1, end);
                i = end;
            } else if (c == '"') {
                i = doubleQuoted(line, i, word);
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
            } else {
                word.append(c);
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Appends the double-quoted text that opens at {@code open}; returns the index of its closing quote. */
    private static int doubleQuoted(String line, int open, StringBuilder word) throws RejectedInput {
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                c = line.charAt(++i);
            }
            word.append(c);
        }
        throw unterminated('"', open);
    }

    private static RejectedInput unterminated(char quote, int at) {
        return RejectedInput.of("", "the quote " + quote + " at column " + (at + 1) + " is never closed");
    }
}
