package org.altovirt.acceptance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A scenario's private folder (short, under /tmp, since Unix socket paths are limited to 108
 * bytes) and the {@code {tmp}} placeholder that names it in feature text.
 */
final class Workspace implements AutoCloseable {
    private final Path dir;

    Workspace() {
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "avt-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path dir() {
        return dir;
    }

    Path file(String name) {
        return dir.resolve(name);
    }

    /** The QMP socket of this scenario's VM. */
    Path socket() {
        return dir.resolve("qmp.sock");
    }

    /** The conformance guest the build made (guest-images/conformance-guest). */
    static final Path GUEST = Path.of(System.getProperty("user.dir"), "target", "guest", "conformance-guest.bzImage");

    private final java.util.Map<String, String> placeholders = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, String> environment = new java.util.LinkedHashMap<>();

    /** Sets an environment variable for every altovirt this scenario starts from now on. */
    void setenv(String name, String value) {
        environment.put(name, value);
    }

    /** The variables {@link #setenv} set. */
    java.util.Map<String, String> environment() {
        return java.util.Collections.unmodifiableMap(environment);
    }

    /** Makes {@code {name}} stand for {@code value} in feature text (a tap's name, an address...). */
    void define(String name, String value) {
        placeholders.put("{" + name + "}", value);
    }

    String expand(String text) {
        String out = text.replace("{tmp}", dir.toString()).replace("{guest}", GUEST.toString());
        for (java.util.Map.Entry<String, String> e : placeholders.entrySet()) {
            out = out.replace(e.getKey(), e.getValue());
        }
        return out;
    }

    /** Splits an option string as a shell would: spaces separate words, double quotes group them. */
    List<String> words(String options) {
        String text = expand(options);
        List<String> out = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (char c : text.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (c == ' ' && !quoted) {
                if (inWord) {
                    out.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(word.toString());
        }
        return out;
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
