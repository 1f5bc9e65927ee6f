package org.altovirt.accel.emu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The host's GNU toolchain (as, gcc, objcopy, nm), used by the tests to build guest code and run it natively. */
final class Toolchain {
    private Toolchain() {}

    /** Whether {@code tool} runs here (tests that need it skip themselves otherwise). */
    static boolean has(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean hasAll() {
        return has("as") && has("gcc") && has("objcopy") && has("nm");
    }

    /** Runs a command; its output, or an AssertionError with the output when it fails. */
    static String run(Path dir, String... command) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ":\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Assembled .text of {@code source}, and the offsets of its global symbols. */
    record Image(byte[] text, Map<String, Long> symbols) {}

    static Image assembleImage(Path dir, String name, String source) {
        try {
            Path s = dir.resolve(name + ".s");
            Files.writeString(s, source);
            run(dir, "as", "--64", "-o", name + ".o", name + ".s");
            return image(dir, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The .text of {@code name}.o as raw bytes (linked at 0), and its symbols' offsets in .text. */
    static Image image(Path dir, String name) {
        try {
            run(dir, "objcopy", "-O", "binary", "-j", ".text", name + ".o", name + ".bin");
            byte[] text = Files.readAllBytes(dir.resolve(name + ".bin"));
            Map<String, Long> symbols = new HashMap<>();
            for (String line : run(dir, "nm", name + ".o").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3 && (f[1].equals("T") || f[1].equals("t"))) {
                    symbols.put(f[2], Long.parseLong(f[0], 16));
                }
            }
            return new Image(text, symbols);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] assemble(String source) {
        try {
            Path dir = Files.createTempDirectory("emu-as");
            try {
                return assembleImage(dir, "snippet", ".text\n" + source + "\n").text();
            } finally {
                deleteTree(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        List<Path> all = new ArrayList<>();
        try (var walk = Files.walk(dir)) {
            walk.forEach(all::add);
        }
        all.sort((a, b) -> b.getNameCount() - a.getNameCount());
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }

    static String hex(byte[] b, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
            if (i + 1 < to) {
                sb.append(' ');
            }
        }
        return sb.toString();
    }

    static String hex(byte[] b) {
        return hex(b, 0, b.length);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
