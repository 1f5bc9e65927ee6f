package org.altovirt.shell;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jline.utils.Levenshtein;

/**
 * Reads one line of input: a built-in ({@code help}, {@code console}, {@code exit}), a command as
 * raw JSON ({@code {"execute":"stop"}}), or a command in the short form
 * ({@code device_del id=drive-0}); and checks a command against its schema, so that nothing the
 * schema rejects is ever sent.
 */
final class LineInterpreter {
    /** The shell's own commands; completion offers them beside the server's. */
    static final Set<String> BUILTINS = Set.of("help", "console", "exit");

    /** One command per input: text after the JSON object is an error, not ignored. */
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private final Protocol protocol;

    LineInterpreter(Protocol protocol) {
        this.protocol = protocol;
    }

    Input interpret(String line) throws RejectedInput {
        String text = line.strip();
        if (text.isEmpty() || text.startsWith("#")) {
            return new Input.Nothing();
        }
        if (text.startsWith("{")) {
            return raw(text);
        }
        List<String> words = Words.split(text);
        String name = words.get(0);
        List<String> rest = words.subList(1, words.size());
        switch (name) {
            case "help" -> {
                if (rest.size() > 1) {
                    throw RejectedInput.of("", "help takes at most one command name");
                }
                return new Input.Help(rest.stream().findFirst());
            }
            case "console", "exit" -> {
                if (!rest.isEmpty()) {
                    throw RejectedInput.of("", name + " takes no arguments");
                }
                return name.equals("exit") ? new Input.Exit() : new Input.Console();
            }
            default -> {
                CommandSchema command = command(name);
                ObjectNode args = ShortForm.arguments(command, rest);
                ObjectNode message = JSON.createObjectNode().put("execute", name);
                if (!args.isEmpty() || command.requiresArguments()) {
                    message.set("arguments", args);
                }
                List<Problem> problems = command.check(message);
                if (!problems.isEmpty()) {
                    throw new RejectedInput(problems.stream().map(p -> p.inside("arguments")).toList());
                }
                return new Input.Send(name, message);
            }
        }
    }

    private Input raw(String text) throws RejectedInput {
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw RejectedInput.of("", "not valid JSON: " + e.getOriginalMessage());
        }
        if (!message.isObject()) {
            throw RejectedInput.of("", "a command is a JSON object such as {\"execute\":\"query-status\"}");
        }
        JsonNode execute = message.get("execute");
        if (execute == null || !execute.isTextual()) {
            throw RejectedInput.of("execute", execute == null ? "missing: it names the command" : execute + " is not a command name");
        }
        CommandSchema command = command(execute.asText());
        List<Problem> problems = command.check(message);
        if (!problems.isEmpty()) {
            throw new RejectedInput(problems);
        }
        return new Input.Send(command.name(), (ObjectNode) message);
    }

    private CommandSchema command(String name) throws RejectedInput {
        Optional<CommandSchema> command = protocol.command(name);
        if (command.isPresent()) {
            return command.get();
        }
        Optional<String> near = protocol.commandNames().stream()
                .min(Comparator.comparingInt(c -> Levenshtein.distance(c, name)))
                .filter(c -> Levenshtein.distance(c, name) <= Math.max(2, name.length() / 3));
        throw RejectedInput.of("", "unknown command '" + name + "'"
                + near.map(c -> "; did you mean " + c + "?").orElse("; help lists the commands"));
    }

    /** Whether {@code text} is the start of a JSON value that more lines would complete. */
    static boolean incompleteJson(String text) {
        try (JsonParser p = JSON.getFactory().createParser(text)) {
            int depth = 0;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd() && --depth == 0) {
                    return false;
                }
            }
            return depth > 0;
        } catch (JsonEOFException e) {
            return true;
        } catch (IOException e) {
            return false; // malformed, not unfinished: reading it reports why
        }
    }
}
