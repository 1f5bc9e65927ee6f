package org.altovirt.shell;

import org.jline.reader.EOFError;
import org.jline.reader.ParsedLine;
import org.jline.reader.impl.DefaultParser;

/**
 * JLine's parser, with one addition: raw JSON that is not finished at Enter continues on the next
 * line (the secondary prompt), so a command may be pasted or typed over several lines.
 */
final class ShellParser extends DefaultParser {
    @Override
    public ParsedLine parse(String line, int cursor, ParseContext context) {
        if (context == ParseContext.ACCEPT_LINE && line.stripLeading().startsWith("{")
                && LineInterpreter.incompleteJson(line)) {
            throw new EOFError(-1, cursor, "unfinished JSON", "json");
        }
        return super.parse(line, cursor, context);
    }
}
