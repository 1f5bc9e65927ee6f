package org.altovirt.shell;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion from the server's schemas: command names (and the shell's own), then argument
 * names in the short form ({@code file.filename=}), enum and boolean values after {@code =}, and
 * host paths for arguments the schema marks {@code x-altovirt-path}. Raw JSON is not completed.
 */
final class SchemaCompleter implements Completer {
    private static final String COMMANDS = "commands";
    private static final String SHELL = "shell";
    private static final int DESCRIPTION_WIDTH = 60;

    private final Protocol protocol;

    SchemaCompleter(Protocol protocol) {
        this.protocol = protocol;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        if (line.line().stripLeading().startsWith("{")) {
            return;
        }
        String word = line.word().substring(0, Math.min(line.wordCursor(), line.word().length()));
        if (line.wordIndex() == 0) {
            commandNames(candidates);
            for (String b : LineInterpreter.BUILTINS) {
                candidates.add(new Candidate(b, b, SHELL, HelpText.builtin(b), null, null, true));
            }
            return;
        }
        String first = line.words().get(0);
        if (first.equals("help")) {
            if (line.wordIndex() == 1) {
                commandNames(candidates);
            }
            return;
        }
        Optional<CommandSchema> command = protocol.command(first);
        if (command.isEmpty()) {
            return;
        }
        int eq = word.indexOf('=');
        if (eq < 0) {
            argumentNames(command.get(), given(line), candidates);
        } else {
            values(command.get(), word.substring(0, eq), word.substring(eq + 1), candidates);
        }
    }

    private void commandNames(List<Candidate> candidates) {
        for (String name : protocol.commandNames()) {
            String d = protocol.command(name).map(CommandSchema::description).orElse("");
            candidates.add(new Candidate(name, name, COMMANDS, brief(d), null, null, true));
        }
    }

    /** The argument names already on the line, other than the word being completed. */
    private static Set<String> given(ParsedLine line) {
        Set<String> names = new HashSet<>();
        for (int i = 1; i < line.words().size(); i++) {
            String w = line.words().get(i);
            if (i != line.wordIndex() && w.contains("=")) {
                names.add(w.substring(0, w.indexOf('=')));
            }
        }
        return names;
    }

    private static void argumentNames(CommandSchema command, Set<String> given, List<Candidate> candidates) {
        for (Argument a : command.flatArguments()) {
            if (!given.contains(a.name())) {
                String descr = (a.required() ? "required; " : "") + brief(a.description());
                // Not "complete": the value follows the '=' with no space.
                candidates.add(new Candidate(a.name() + "=", a.name(), "arguments of " + command.name(), descr, null, null, false));
            }
        }
    }

    private static void values(CommandSchema command, String key, String prefix, List<Candidate> candidates) {
        Optional<Argument> argument = command.flatArguments().stream().filter(a -> a.name().equals(key)).findFirst();
        if (argument.isEmpty()) {
            return;
        }
        Argument a = argument.get();
        for (String choice : a.choices()) {
            candidates.add(new Candidate(key + "=" + choice, choice, "values of " + key, null, null, null, true));
        }
        if (a.path()) {
            paths(key + "=", prefix, candidates);
        }
    }

    /** Entries of the directory {@code prefix} names (up to its last '/'), whose names start with the rest. */
    static void paths(String lead, String prefix, List<Candidate> candidates) {
        int slash = prefix.lastIndexOf('/');
        String dirPart = prefix.substring(0, slash + 1);
        String namePart = prefix.substring(slash + 1);
        Path dir = dirPart.isEmpty() ? Path.of(".") : Path.of(expandHome(dirPart));
        List<Candidate> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!name.startsWith(namePart) || (name.startsWith(".") && !namePart.startsWith("."))) {
                    continue;
                }
                boolean isDir = Files.isDirectory(p);
                String value = lead + dirPart + name + (isDir ? "/" : "");
                // A directory is not "complete": Tab goes on into it.
                found.add(new Candidate(value, name + (isDir ? "/" : ""), "files", null, null, null, !isDir));
            }
        } catch (IOException | SecurityException e) {
            return; // nothing to offer from a directory we cannot read
        }
        candidates.addAll(found);
    }

    private static String expandHome(String dir) {
        return dir.startsWith("~/") ? System.getProperty("user.home") + dir.substring(1) : dir;
    }

    /** The first sentence of a description, cut to fit beside a candidate. */
    static String brief(String description) {
        String d = description.strip();
        int stop = d.indexOf(". ");
        if (stop > 0) {
            d = d.substring(0, stop + 1);
        }
        return d.length() > DESCRIPTION_WIDTH ? d.substring(0, DESCRIPTION_WIDTH - 1) + "…" : d;
    }
}
