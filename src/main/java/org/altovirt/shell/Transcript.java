package org.altovirt.shell;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.altovirt.qmp.client.QmpEvent;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * Everything the shell shows, styled: replies, events, the JSON it sends, notes, and inputs it
 * refused. Where each goes is the {@link Sink}'s choice (the terminal above the prompt, or
 * stdout and stderr for a script). Events that arrive while the terminal belongs to the guest's
 * console are held and shown when the prompt returns.
 */
final class Transcript {
    static final AttributedStyle ERROR = AttributedStyle.DEFAULT.foreground(AttributedStyle.RED).bold();
    static final AttributedStyle EVENT = AttributedStyle.DEFAULT.foreground(AttributedStyle.YELLOW).bold();
    static final AttributedStyle FAINT = AttributedStyle.DEFAULT.faint();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    /** Where the lines go. */
    interface Sink {
        /** The answer to the input just given: replies, help, notes. */
        void out(AttributedString text);

        /** Something that happened on its own (an event), perhaps while a line is being typed. */
        void async(AttributedString text);

        /** A refusal or failure. */
        void err(AttributedString text);
    }

    private final Sink sink;
    private final List<AttributedString> held = new ArrayList<>();
    private boolean holding;
    private boolean muted;

    Transcript(Sink sink) {
        this.sink = sink;
    }

    /** A reply as the server sent it: a return pretty-printed, an error as its class and description. */
    void reply(JsonNode reply) {
        JsonNode error = reply.get("error");
        if (error != null) {
            AttributedStringBuilder b = new AttributedStringBuilder()
                    .styled(ERROR, "error: " + error.path("class").asText("?"))
                    .append(": ").append(error.path("desc").asText(""));
            if (reply.has("id")) {
                b.styled(FAINT, " (id " + reply.get("id") + ")");
            }
            sink.out(b.toAttributedString());
        } else {
            sink.out(JsonPainter.paint(reply));
        }
    }

    /** An event: its name, its data if any, and the server's time. */
    void event(QmpEvent e) {
        AttributedStringBuilder b = new AttributedStringBuilder().styled(EVENT, "event " + e.name());
        if (!e.data().isEmpty()) {
            b.append(" ").append(JsonPainter.paintInline(e.data()));
        }
        b.styled(FAINT, " at " + TIME.format(e.timestamp()));
        AttributedString line = b.toAttributedString();
        synchronized (this) {
            if (muted) {
                return;
            }
            if (holding) {
                held.add(line);
                return;
            }
        }
        sink.async(line);
    }

    /** The JSON about to be sent, exactly as it goes on the wire ({@code --echo}). */
    void sent(JsonNode message) {
        sink.out(new AttributedString("-> " + message, FAINT));
    }

    void note(String text) {
        sink.out(new AttributedString(text.stripTrailing()));
    }

    void faint(String text) {
        sink.out(new AttributedString(text, FAINT));
    }

    /** An input the shell did not send, and why; {@code where} prefixes it (a script's file and line), may be empty. */
    void rejected(String where, RejectedInput r) {
        for (Problem p : r.problems()) {
            sink.err(new AttributedStringBuilder().append(where).styled(ERROR, "not sent: ").append(p.toString())
                    .toAttributedString());
        }
    }

    void failure(String text) {
        sink.err(new AttributedString(text, ERROR));
    }

    /** From now on, show no more events: the shell is leaving, and the VM's SHUTDOWN is its own doing. */
    synchronized void mute() {
        muted = true;
    }

    /** From now on, keep events until {@link #release}: the terminal is the guest's. */
    synchronized void hold() {
        holding = true;
    }

    /** Shows the events kept since {@link #hold}. */
    void release() {
        List<AttributedString> lines;
        synchronized (this) {
            holding = false;
            lines = List.copyOf(held);
            held.clear();
        }
        lines.forEach(sink::async);
    }
}
