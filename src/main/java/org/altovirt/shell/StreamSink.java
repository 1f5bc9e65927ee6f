package org.altovirt.shell;

import java.io.PrintStream;
import org.jline.utils.AttributedString;

/**
 * A script's output: replies and events on stdout, refusals and failures on stderr; styled only
 * when stdout is a terminal, so piped output is plain text.
 */
record StreamSink(PrintStream out, PrintStream err, boolean color) implements Transcript.Sink {
    @Override
    public void out(AttributedString text) {
        synchronized (out) {
            out.println(color ? text.toAnsi() : text.toString());
            out.flush();
        }
    }

    @Override
    public void async(AttributedString text) {
        out(text);
    }

    @Override
    public void err(AttributedString text) {
        out.flush(); // what came before the failure is shown before it
        err.println(color ? text.toAnsi() : text.toString());
        err.flush();
    }
}
