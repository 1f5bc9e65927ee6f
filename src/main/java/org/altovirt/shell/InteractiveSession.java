package org.altovirt.shell;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.altovirt.qmp.client.QmpClient;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;

/**
 * The shell at a terminal: a JLine prompt with completion and history; replies below the input;
 * events printed above the line being typed without disturbing it; {@code console} to reach the
 * guest. Ends at {@code exit}, Ctrl-D, after {@code quit}, or when the VM closes the connection.
 */
final class InteractiveSession {
    static final String PROMPT = "qmp> ";
    private static final Duration CLOSE_WATCH = Duration.ofDays(365);

    /**
     * What the session needs besides the connection.
     *
     * @param echo show each command's JSON before sending it
     * @param color style the output
     * @param history the history file, or empty for none
     * @param console the guest's serial socket, or empty when unknown
     */
    record Settings(boolean echo, boolean color, Optional<Path> history, Optional<Path> console) {}

    private final Terminal terminal;
    private final QmpClient client;
    private final Protocol protocol;
    private final Settings settings;
    private final LineReader reader;
    private final Transcript transcript;
    private final LineInterpreter interpreter;
    private final CommandRunner runner;
    private volatile boolean connectionClosed;
    /** Set when {@link #run} returns: the terminal may be closed then, so nothing more is printed. */
    private boolean finished;

    InteractiveSession(Terminal terminal, QmpClient client, Protocol protocol, Settings settings) {
        this.terminal = terminal;
        this.client = client;
        this.protocol = protocol;
        this.settings = settings;
        LineReaderBuilder builder = LineReaderBuilder.builder()
                .terminal(terminal)
                .appName("altovirt-shell")
                .parser(new ShellParser())
                .completer(new SchemaCompleter(protocol))
                .variable(LineReader.SECONDARY_PROMPT_PATTERN, "...> ")
                // '!' means history expansion to JLine; in JSON and values it is just a character
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true);
        settings.history().ifPresent(h -> builder.variable(LineReader.HISTORY_FILE, h));
        this.reader = builder.build();
        this.transcript = new Transcript(new TerminalSink());
        this.interpreter = new LineInterpreter(protocol);
        this.runner = new CommandRunner(client, transcript, settings.echo());
    }

    Transcript transcript() {
        return transcript;
    }

    /** Runs until the user leaves or the VM goes; returns the exit status (0). */
    int run() {
        client.onEvent(transcript::event);
        Thread watch = new Thread(this::watchConnection, "qmp-connection-watch");
        watch.setDaemon(true);
        watch.start();
        AttributedString prompt = settings.color()
                ? new AttributedString(PROMPT, AttributedStyle.BOLD)
                : new AttributedString(PROMPT);
        while (!connectionClosed) {
            String line;
            try {
                line = reader.readLine(prompt.toAnsi(terminal));
            } catch (UserInterruptException e) {
                continue; // Ctrl-C: a fresh line, as in any shell; a closed connection ends the loop
            } catch (EndOfFileException e) {
                break;
            }
            if (!handle(line)) {
                break;
            }
        }
        try {
            reader.getHistory().save();
        } catch (IOException e) {
            transcript.failure("history not saved: " + e.getMessage());
        }
        synchronized (this) {
            finished = true;
            notifyAll();
        }
        return 0;
    }

    /** Acts on one line; false when the session should end. */
    private boolean handle(String line) {
        if (connectionClosed) {
            return false;
        }
        Input input;
        try {
            input = interpreter.interpret(line);
        } catch (RejectedInput r) {
            transcript.rejected("", r);
            return true;
        }
        if (input instanceof Input.Exit) {
            return false;
        } else if (input instanceof Input.Help h) {
            transcript.note(h.command().isEmpty()
                    ? HelpText.commands(protocol)
                    : HelpText.command(protocol, h.command().get())
                            .orElse("no command " + h.command().get() + "; help lists them"));
        } else if (input instanceof Input.Console) {
            console();
        } else if (input instanceof Input.Send s) {
            return send(s);
        }
        return true;
    }

    private boolean send(Input.Send s) {
        try {
            if (runner.send(s) == CommandRunner.Outcome.QUIT) {
                transcript.faint("the VM has quit");
                return false;
            }
            return true;
        } catch (IOException e) {
            transcript.failure(s.command() + ": " + e.getMessage());
            return !connectionClosed;
        } catch (TimeoutException e) {
            transcript.failure(s.command() + ": no reply (" + e.getMessage() + ")");
            return true;
        }
    }

    private void console() {
        if (settings.console().isEmpty()) {
            transcript.failure("no serial socket known: start the VM through the shell (-- OPTIONS), "
                    + "or give --console PATH for a VM started with -serial unix:PATH,server,nowait");
            return;
        }
        Path socket = settings.console().get();
        transcript.faint("console: " + socket + "; Ctrl-] returns to the prompt");
        transcript.hold();
        try {
            SerialConsole.End end = SerialConsole.attach(terminal, socket);
            terminal.writer().println();
            transcript.faint(end == SerialConsole.End.CLOSED ? "console closed by the VM" : "back at the QMP prompt");
        } catch (IOException e) {
            transcript.failure("console: cannot connect to " + socket + ": " + e.getMessage());
        } finally {
            transcript.release();
        }
    }

    /** Ends the prompt when the server closes the connection (the VM quit or the guest powered off). */
    private void watchConnection() {
        while (!client.awaitClosed(CLOSE_WATCH)) {
            // keep watching
        }
        connectionClosed = true;
        synchronized (this) {
            if (finished) {
                return; // the session ended first (exit, quit): nothing to interrupt or tell
            }
            transcript.faint("the connection to the VM has closed");
            // Interrupt the prompt until the session ends: it may be between two readLine calls
            // now, past its look at connectionClosed, and enter the next one just after.
            while (!finished) {
                if (reader.isReading()) {
                    terminal.raise(Terminal.Signal.INT);
                }
                try {
                    wait(50); // run() notifies when it finishes; readLine has no "started" callback
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Lines to the terminal, all through printAbove, prompt up or not: it takes the reader's lock, so
     * an event from the reader thread never splits a reply, and a line being typed is redrawn below.
     */
    private final class TerminalSink implements Transcript.Sink {
        @Override
        public void out(AttributedString text) {
            async(text);
        }

        @Override
        public void async(AttributedString text) {
            reader.printAbove(settings.color() ? text : new AttributedString(text.toString()));
        }

        @Override
        public void err(AttributedString text) {
            async(text);
        }
    }
}
