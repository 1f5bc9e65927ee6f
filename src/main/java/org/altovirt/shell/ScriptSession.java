package org.altovirt.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Runs commands from a file or a pipe, in order, printing each reply; stops with status 1 at the
 * first error reply or refused input, naming the line. Raw JSON may span lines.
 */
final class ScriptSession {
    private final String name;
    private final BufferedReader in;
    private final LineInterpreter interpreter;
    private final CommandRunner runner;
    private final Transcript transcript;
    private final Protocol protocol;

    ScriptSession(String name, BufferedReader in, Protocol protocol, CommandRunner runner, Transcript transcript) {
        this.name = name;
        this.in = in;
        this.protocol = protocol;
        this.interpreter = new LineInterpreter(protocol);
        this.runner = runner;
        this.transcript = transcript;
    }

    /** Runs the script; returns the exit status: 0 when every command returned, 1 otherwise. */
    int run() throws IOException {
        int lineNumber = 0;
        String line;
        while ((line = in.readLine()) != null) {
            lineNumber++;
            int first = lineNumber;
            StringBuilder text = new StringBuilder(line);
            while (text.toString().stripLeading().startsWith("{") && LineInterpreter.incompleteJson(text.toString())) {
                String more = in.readLine();
                if (more == null) {
                    transcript.failure(where(first) + "the JSON that starts here never ends");
                    return 1;
                }
                lineNumber++;
                text.append('\n').append(more);
            }
            Input input;
            try {
                input = interpreter.interpret(text.toString());
            } catch (RejectedInput r) {
                transcript.rejected(where(first), r);
                return 1;
            }
            if (input instanceof Input.Exit) {
                return 0;
            } else if (input instanceof Input.Help h) {
                transcript.note(h.command().isEmpty()
                        ? HelpText.commands(protocol)
                        : HelpText.command(protocol, h.command().get()).orElse("no command " + h.command().get() + "\n"));
            } else if (input instanceof Input.Console) {
                transcript.failure(where(first) + "console needs a terminal; a script cannot use it");
                return 1;
            } else if (input instanceof Input.Send s) {
                Integer status = send(s, first);
                if (status != null) {
                    return status;
                }
            }
        }
        return 0;
    }

    /** Sends one command; returns the script's exit status when the script must end here, else null. */
    private Integer send(Input.Send s, int line) {
        try {
            return switch (runner.send(s)) {
                case RETURNED -> null;
                case QUIT -> 0;
                case ERROR_REPLY -> {
                    transcript.failure(where(line) + s.command() + " failed; the script stops here");
                    yield 1;
                }
            };
        } catch (IOException e) {
            transcript.failure(where(line) + s.command() + ": " + e.getMessage());
            return 1;
        } catch (TimeoutException e) {
            transcript.failure(where(line) + s.command() + ": no reply (" + e.getMessage() + ")");
            return 1;
        }
    }

    private String where(int line) {
        return name + ":" + line + ": ";
    }
}
