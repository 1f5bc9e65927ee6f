package org.altovirt.shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** What {@code help} and {@code help COMMAND} print, written from the server's schemas. */
final class HelpText {
    private static final Map<String, String> BUILTINS = Map.of(
            "help", "List the commands; help COMMAND describes one and its arguments.",
            "console", "Attach this terminal to the guest's serial console; Ctrl-] returns to the prompt.",
            "exit", "Leave the shell (Ctrl-D too); a VM the shell started is quit.");

    private HelpText() {}

    /** One line on a built-in command. */
    static String builtin(String name) {
        return BUILTINS.getOrDefault(name, "");
    }

    /** The list of commands, each with the first sentence of its description. */
    static String commands(Protocol protocol) {
        StringBuilder out = new StringBuilder("Commands (help COMMAND for its arguments):\n");
        int width = protocol.commandNames().stream().mapToInt(String::length).max().orElse(0);
        for (String name : protocol.commandNames()) {
            String d = protocol.command(name).map(CommandSchema::description).orElse("");
            out.append(row(name, width, SchemaCompleter.brief(d)));
        }
        out.append("Shell:\n");
        for (String name : List.of("help", "console", "exit")) {
            out.append(row(name, width, builtin(name)));
        }
        out.append("Events the server may send: ").append(String.join(", ", protocol.eventNames())).append('\n');
        out.append("Write a command as JSON ({\"execute\":\"stop\"}) or as COMMAND name=value ...:\n")
                .append("  nested members with dots (file.filename=/tmp/d.img), sizes with K/M/G/T (value=2G),\n")
                .append("  booleans as true/false, on/off or yes/no. Tab completes names, values and paths.\n");
        return out.toString();
    }

    /** A command's description and arguments; empty when {@code name} is neither a command nor a built-in. */
    static Optional<String> command(Protocol protocol, String name) {
        if (BUILTINS.containsKey(name)) {
            return Optional.of(name + ": " + builtin(name) + "\n");
        }
        return protocol.command(name).map(HelpText::command);
    }

    static String command(CommandSchema command) {
        StringBuilder out = new StringBuilder(command.name()).append(": ").append(command.description()).append('\n');
        List<Argument> args = command.flatArguments();
        if (args.isEmpty()) {
            return out.append("It takes no arguments.\n").toString();
        }
        out.append("Arguments:\n");
        List<String[]> rows = new ArrayList<>();
        for (Argument a : args) {
            rows.add(new String[] {a.name(), kind(a) + (a.required() ? ", required" : ""), a.description()});
        }
        int nameWidth = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        int kindWidth = rows.stream().mapToInt(r -> r[1].length()).max().orElse(0);
        for (String[] r : rows) {
            out.append("  ").append(pad(r[0], nameWidth)).append("  ").append(pad(r[1], kindWidth))
                    .append("  ").append(r[2]).append('\n');
        }
        out.append("Example: ").append(example(command, args)).append('\n');
        return out.toString();
    }

    /** The argument's kind as the short form takes it: one of its enum values, or its type. */
    private static String kind(Argument a) {
        if (!a.choices().isEmpty() && !a.types().contains("boolean")) {
            return "one of " + String.join("|", a.choices());
        }
        if (a.path()) {
            return "path";
        }
        if (a.types().contains("integer")) {
            return "integer (or size: 2G)";
        }
        return a.typeText();
    }

    /** The command with its required arguments and placeholder values. */
    private static String example(CommandSchema command, List<Argument> args) {
        String required = args.stream().filter(Argument::required).map(a -> a.name() + "=" + placeholder(a))
                .collect(Collectors.joining(" "));
        return required.isEmpty() ? command.name() : command.name() + " " + required;
    }

    private static String placeholder(Argument a) {
        if (!a.choices().isEmpty()) {
            return a.choices().get(0);
        }
        if (a.path()) {
            return "PATH";
        }
        return a.types().contains("integer") ? "N" : a.name().substring(a.name().lastIndexOf('.') + 1).toUpperCase();
    }

    private static String row(String name, int width, String text) {
        return "  " + pad(name, width) + "  " + text + "\n";
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(Math.max(0, width - s.length()));
    }
}
