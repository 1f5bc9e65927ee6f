package org.altovirt.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The emu's speed on the conformance guest's {@code compute N} (an integer workload: multiply,
 * divide, rotate, xor, branches) against QEMU TCG running the same image, from one run (see
 * {@code ci/bench}). Three targets:
 *
 * <ul>
 *   <li>{@code emu-in-process}: an {@code EmuVcpu} in this JVM ({@link InProcessEmu}): guest
 *       instructions counted exactly, so instructions per second;
 *   <li>{@code altovirt}: the real {@code ./altovirt -accel emu} process, driven on its stdio
 *       console: the time a user sees, which is what the ratio against QEMU uses;
 *   <li>{@code qemu}: {@code qemu-system-x86_64 -accel tcg} (microvm), driven the same way.
 * </ul>
 *
 * <p>Each target boots the guest and runs one warm-up {@code compute} of a quarter of N (reported
 * as the cold figure: the JIT, or TCG's translation, is still at work), then is paused. The timed
 * runs of {@code compute N} go in rounds, each target once per round with the others paused (an
 * idle guest polls its UART and would keep a host CPU busy), so that a change in the machine's
 * load falls on all of them. A time runs from writing the command's CR to reading its result line.
 *
 * <p>Unless given, N is 5,000,000 for the emu and 150,000,000 for QEMU (the emu is far slower;
 * the two are compared per iteration), changed for about 2.5 s per run only when the warm-up
 * (cold, so pessimistic: the in-process emu's first run is 2-5 times slower) predicts under 0.5 s
 * or over 30 s; the altovirt process runs the in-process emu's N. Every checksum is checked
 * against the host's ({@link ComputeReference}), and QEMU also runs the emu's N once, so the two
 * VMMs' checksums are compared directly. A wrong checksum fails the run (exit 2).
 *
 * <p>Options: {@code --emu-n N}, {@code --qemu-n N} (fix N), {@code --emu-reps R} (rounds of
 * timed runs, default 3), {@code --no-qemu}, {@code --no-process}, {@code --no-in-process},
 * {@code --kernel FILE}, {@code --timeout S} (per command, default 600), {@code --emu-json FILE}
 * (default target/bench/emu.json), {@code --check} (exit 1 when the aim is not met).
 */
public final class EmuBench {
    private static final String QEMU = "qemu-system-x86_64";
    private static final long MEM_BYTES = 256L << 20;
    private static final long DEFAULT_EMU_N = 5_000_000;
    private static final long DEFAULT_QEMU_N = 150_000_000;
    /**
     * Calibration: keep the default N when the cold warm-up predicts MIN_S-MAX_S per run (wide: the
     * warm-up is far slower than the warm runs while the JIT works), else aim at TARGET_S.
     */
    private static final double TARGET_S = 2.5;
    private static final double MIN_S = 0.5;
    private static final double MAX_S = 30.0;
    private static final long MAX_N = 2_000_000_000L;
    private static final long BOOT_PATIENCE_NS = TimeUnit.SECONDS.toNanos(120);

    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path root;
    private final Path work;
    private final Map<Long, String> references = new HashMap<>();
    private Path kernel;
    private Path jsonOut;
    private Long emuN;
    private Long qemuN;
    private int reps = 3;
    private boolean useQemu = true;
    private boolean useProcess = true;
    private boolean useInProcess = true;
    private boolean check;
    private long commandPatienceNs = TimeUnit.SECONDS.toNanos(600);
    private boolean checksumsOk = true;

    private EmuBench(Path root) throws IOException {
        this.root = root;
        this.work = Files.createTempDirectory("altovirt-emubench-");
        this.kernel = root.resolve("target/guest/conformance-guest.bzImage");
        this.jsonOut = root.resolve("target/bench/emu.json");
    }

    public static void main(String[] args) throws Exception {
        EmuBench bench = new EmuBench(Path.of(System.getProperty("altovirt.root", System.getProperty("user.dir"))).toAbsolutePath());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--emu-n" -> bench.emuN = positive(args, ++i);
                case "--qemu-n" -> bench.qemuN = positive(args, ++i);
                case "--emu-reps", "--reps" -> bench.reps = (int) Math.min(positive(args, ++i), 100);
                case "--no-qemu" -> bench.useQemu = false;
                case "--no-process" -> bench.useProcess = false;
                case "--no-in-process" -> bench.useInProcess = false;
                case "--check" -> bench.check = true;
                case "--kernel" -> bench.kernel = Path.of(value(args, i++)).toAbsolutePath();
                case "--timeout" -> bench.commandPatienceNs = TimeUnit.SECONDS.toNanos(positive(args, ++i));
                case "--emu-json", "--json" -> bench.jsonOut = Path.of(value(args, i++)).toAbsolutePath();
                case "-h", "--help" -> {
                    System.out.println("usage: ci/bench --emu [--emu-n N] [--qemu-n N] [--emu-reps R] [--no-qemu] [--no-process]\n"
                            + "                     [--no-in-process] [--kernel FILE] [--timeout S] [--emu-json FILE] [--check]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
            }
        }
        int status;
        try {
            status = bench.run();
        } finally {
            bench.cleanUp();
        }
        System.exit(status);
    }

    private static String value(String[] args, int i) {
        if (i + 1 >= args.length) {
            throw new IllegalArgumentException(args[i] + " needs a value");
        }
        return args[i + 1];
    }

    private static long positive(String[] args, int i) {
        String v = value(args, i - 1);
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(args[i - 1] + " " + v + ": not a number");
        }
        if (n < 1 || n > MAX_N) {
            throw new IllegalArgumentException(args[i - 1] + " " + v + ": must be between 1 and " + MAX_N);
        }
        return n;
    }

    // ---------------------------------------------------------------- the run

    private int run() throws IOException {
        if (!Files.isRegularFile(kernel)) {
            System.out.println("FAILED: no guest image at " + kernel + " (built by mvn generate-resources)");
            return 2;
        }
        String qemuExe = useQemu ? onPath(QEMU) : null;
        String javaVersion = commandOutput(List.of("java", "-version"));
        String qemuVersion = qemuExe == null ? null : firstLine(commandOutput(List.of(qemuExe, "--version")));
        String harnessArgs = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
        String launcherOpts = launcherJvmOptions();
        String loadStart = loadAverage();

        System.out.println("== emu benchmark: compute N on the conformance guest, altovirt emu vs QEMU TCG ==");
        System.out.printf(Locale.ROOT, "machine:  %d CPUs (nproc), %s; %s %s; load average %s (at start)%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), System.getProperty("os.name"),
                System.getProperty("os.version"), loadStart);
        System.out.println("java:     " + javaVersion.strip().replace("\n", "\n          "));
        System.out.println("harness:  " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + ", flags: " + harnessArgs);
        System.out.println("launcher: ./altovirt's JVM flags: " + launcherOpts
                + (blank(System.getenv("ALTOVIRT_JAVA_OPTS")) ? "" : " + ALTOVIRT_JAVA_OPTS=" + System.getenv("ALTOVIRT_JAVA_OPTS")));
        System.out.println("qemu:     " + (qemuVersion != null ? qemuVersion
                : useQemu ? "not installed (" + QEMU + " not on PATH): the emu's figures only, no ratio"
                : "skipped (--no-qemu)"));
        System.out.println("guest:    " + root.relativize(kernel) + " (" + Files.size(kernel) + " bytes), 256 MiB, console=ttyS0");
        System.out.printf(Locale.ROOT, "method:   per target: boot, 1 warm-up compute of N/4 (the cold figure), then %d rounds of timed%n"
                + "          compute N, each target once per round, the others paused (SIGSTOP; the in-process vCPU parked);%n"
                + "          time = CR of 'compute N' written -> result line read; N: emu %s, qemu %s%n",
                reps, emuN != null ? emuN + " (given)" : DEFAULT_EMU_N + " (default)",
                qemuN != null ? qemuN + " (given)" : DEFAULT_QEMU_N + " (default)");
        if (emuN == null || qemuN == null) {
            System.out.printf(Locale.ROOT, "          a default N is changed for ~%.1f s per run when the cold warm-up predicts under %.1f s or over %.0f s%n",
                    TARGET_S, MIN_S, MAX_S);
        }
        System.out.println();

        List<TargetResult> results = new ArrayList<>();
        Map<TargetResult, ComputeGuest> live = new LinkedHashMap<>();
        Map<TargetResult, Long> chosenN = new HashMap<>();
        TargetResult inProcess = null;
        TargetResult process = null;
        TargetResult qemu = null;
        try {
            // Boot and warm up one target at a time, each paused afterwards; then the timed runs.
            Long n = emuN;
            if (useInProcess) {
                inProcess = new TargetResult("emu-in-process", "EmuVcpu in this JVM: GuestMemory 256 MiB, "
                        + "Uart8250 + I8042 on the pio bus, LinuxLoader, cmdline console=ttyS0");
                results.add(inProcess);
                n = prepare(inProcess, () -> InProcessEmu.boot(kernel, MEM_BYTES), n, DEFAULT_EMU_N, live, chosenN);
            }
            if (useProcess) {
                List<String> cmd = List.of(root.resolve("altovirt").toString(), "-accel", "emu", "-m", "256",
                        "-kernel", kernel.toString(), "-append", "console=ttyS0", "-serial", "stdio",
                        "-qmp", "unix:" + work.resolve("altovirt.sock") + ",server,nowait");
                process = new TargetResult("altovirt", "./altovirt -accel emu -m 256 -kernel " + root.relativize(kernel)
                        + " -append console=ttyS0 -serial stdio -qmp unix:TMP,server,nowait");
                results.add(process);
                n = prepare(process, () -> ConsoleProcess.start("altovirt", cmd, root, work.resolve("altovirt.err")),
                        n, DEFAULT_EMU_N, live, chosenN);
            }
            if (qemuExe != null) {
                List<String> cmd = List.of(qemuExe, "-machine", "microvm,acpi=off", "-accel", "tcg", "-m", "256",
                        "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
                        "-kernel", kernel.toString(), "-append", "console=ttyS0", "-no-reboot");
                qemu = new TargetResult("qemu", QEMU + " -machine microvm,acpi=off -accel tcg -m 256 -nodefaults "
                        + "-no-user-config -display none -serial stdio -kernel " + root.relativize(kernel)
                        + " -append console=ttyS0 -no-reboot");
                results.add(qemu);
                prepare(qemu, () -> ConsoleProcess.start("qemu", cmd, root, work.resolve("qemu.err")),
                        qemuN, DEFAULT_QEMU_N, live, chosenN);
            }
            timedRounds(live, chosenN);
            Long sameN = emuRunN(chosenN, inProcess, process);
            if (qemu != null && sameN != null && live.containsKey(qemu)) {
                TargetResult q = qemu;
                once(q, live, g -> {
                    q.sameN = g.compute(sameN, deadline());
                    printRun(q.name, "at the emu's N", q.sameN);
                });
            }
            System.out.println();
        } finally {
            live.values().forEach(ComputeGuest::close);
        }
        String loadEnd = loadAverage();

        EmuReport report = new EmuReport(results, inProcess, process, qemu, this::reference);
        boolean met = report.print(loadStart, loadEnd);
        ObjectNode out = report.toJson(json.createObjectNode());
        ObjectNode machine = out.putObject("machine");
        machine.put("nproc", Runtime.getRuntime().availableProcessors()).put("cpu", cpuModel())
                .put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"))
                .put("load_average_start", loadStart).put("load_average_end", loadEnd)
                .put("java", javaVersion).put("harness_java", System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.runtime.version"))
                .put("harness_jvm_flags", harnessArgs).put("launcher_jvm_flags", launcherOpts)
                .put("ALTOVIRT_JAVA_OPTS", System.getenv("ALTOVIRT_JAVA_OPTS")).put("qemu", qemuVersion);
        out.put("time", Instant.now().toString());
        ObjectNode params = out.putObject("parameters");
        params.put("emu_n_given", emuN).put("qemu_n_given", qemuN).put("reps", reps).put("warmup_n", "N/4")
                .put("calibration_target_s", TARGET_S).put("guest", root.relativize(kernel).toString());
        out.put("checksums_ok", checksumsOk);
        Files.createDirectories(jsonOut.getParent());
        json.writeValue(jsonOut.toFile(), out);
        System.out.println();
        System.out.println("written: " + (jsonOut.startsWith(root) ? root.relativize(jsonOut) : jsonOut));

        boolean failed = results.stream().anyMatch(r -> r.error != null);
        if (!checksumsOk || failed) {
            System.out.println();
            System.out.println(!checksumsOk ? "FAILED: a guest printed a wrong checksum (see CHECKSUM MISMATCH above)"
                    : "FAILED: a target could not be measured (see above)");
            return 2;
        }
        return check && !met ? 1 : 0;
    }

    @FunctionalInterface
    private interface Boot {
        ComputeGuest start() throws BenchFailure;
    }

    /**
     * Boots {@code r}'s target, runs the warm-up compute, chooses N (calibrated when not given) and
     * pauses it; on failure, records it and closes the target.
     *
     * @return the N chosen, or {@code fixedN} when the target failed before choosing one
     */
    private Long prepare(TargetResult r, Boot boot, Long fixedN, long defaultN,
            Map<TargetResult, ComputeGuest> live, Map<TargetResult, Long> chosenN) {
        r.loadAtStart = loadAverage();
        System.out.printf(Locale.ROOT, "%s (load average %s): %s%n", r.name, r.loadAtStart, r.command);
        ComputeGuest g = null;
        try {
            g = boot.start();
            booted(r, g);
            r.warmup = g.compute(Math.max(1, (fixedN != null ? fixedN : defaultN) / 4), deadline());
            printRun(r.name, "warm-up (cold)", r.warmup);
            long n = fixedN != null ? fixedN : calibrate(r.warmup, defaultN);
            g.pause();
            live.put(r, g);
            chosenN.put(r, n);
            System.out.println();
            return n;
        } catch (BenchFailure | RuntimeException e) {
            fail(r, e);
            if (g != null) {
                g.close();
            }
            System.out.println();
            return fixedN;
        }
    }

    /**
     * The timed runs, in rounds: each round runs every live target once, one after the other (the
     * others paused), so that a change in the machine's load during the run falls on all of them.
     */
    private void timedRounds(Map<TargetResult, ComputeGuest> live, Map<TargetResult, Long> chosenN) {
        System.out.printf(Locale.ROOT, "timed runs: %d round%s, each target once per round, the others paused%n", reps, reps == 1 ? "" : "s");
        for (int i = 0; i < reps; i++) {
            String label = "timed " + (i + 1) + "/" + reps;
            for (TargetResult r : List.copyOf(live.keySet())) {
                once(r, live, g -> {
                    ComputeRun run = g.compute(chosenN.get(r), deadline());
                    r.runs.add(run);
                    printRun(r.name, label, run);
                });
            }
        }
    }

    @FunctionalInterface
    private interface Step {
        void on(ComputeGuest g) throws BenchFailure;
    }

    /** Resumes {@code r}'s guest, runs {@code step}, pauses it again; a failure closes and drops the target. */
    private void once(TargetResult r, Map<TargetResult, ComputeGuest> live, Step step) {
        ComputeGuest g = live.get(r);
        try {
            g.resume();
            step.on(g);
            g.pause();
        } catch (BenchFailure | RuntimeException e) {
            fail(r, e);
            live.remove(r).close();
        }
    }

    /** The N the emu ran: the altovirt process's, else the in-process one's; null when neither ran. */
    private static Long emuRunN(Map<TargetResult, Long> chosenN, TargetResult inProcess, TargetResult process) {
        Long n = process != null ? chosenN.get(process) : null;
        return n != null || inProcess == null ? n : chosenN.get(inProcess);
    }

    private void booted(TargetResult r, ComputeGuest g) throws BenchFailure {
        ConsoleTranscript.Line ready = g.awaitPrompt(System.nanoTime() + BOOT_PATIENCE_NS);
        long start = g instanceof InProcessEmu e ? e.startNanos() : ((ConsoleProcess) g).startNanos();
        r.bootS = (ready.nanos() - start) / 1e9;
        r.bootInstructions = ready.instructions();
        System.out.printf(Locale.ROOT, "  %-14s %-14s %7.3f s%s%n", r.name, "boot to 'ready'", r.bootS,
                r.bootInstructions >= 0 ? String.format(Locale.ROOT, "  %,d instructions", r.bootInstructions) : "");
    }

    private void fail(TargetResult r, Exception e) {
        r.error = e.getMessage();
        System.out.println("  FAILED: " + String.valueOf(e.getMessage()).replace("\n", "\n    "));
        if (e instanceof RuntimeException) {
            e.printStackTrace(System.out);
        }
    }

    private long deadline() {
        return System.nanoTime() + commandPatienceNs;
    }

    /** N for about {@link #TARGET_S} per run, from the warm-up's time per iteration; the default when that is MIN_S-MAX_S. */
    private static long calibrate(ComputeRun warmup, long defaultN) {
        double perIteration = warmup.nanos() / 1e9 / warmup.n();
        double predicted = perIteration * defaultN;
        if (predicted >= MIN_S && predicted <= MAX_S) {
            return defaultN;
        }
        double n = TARGET_S / perIteration;
        // Two significant digits, so that N reads well.
        double scale = Math.pow(10, Math.max(0, Math.floor(Math.log10(n)) - 1));
        return Math.max(1000, Math.min(MAX_N, (long) (Math.round(n / scale) * scale)));
    }

    private void printRun(String target, String label, ComputeRun run) {
        boolean ok = checksumOk(run);
        System.out.printf(Locale.ROOT, "  %-14s %-14s n=%-10d %7.3f s %8.2f ns/iter%s  checksum %s %s%n", target, label, run.n(),
                run.seconds(), run.nanosPerIteration(),
                run.instructions() >= 0 ? String.format(Locale.ROOT, " %,13d instructions (%.1f/iter) %7.2f MIPS",
                        run.instructions(), (double) run.instructions() / run.n(), run.mips()) : "",
                run.checksum(), ok ? "ok" : "CHECKSUM MISMATCH: the host computes " + reference(run.n()) + " for n=" + run.n());
        System.out.flush();
    }

    /** Whether the guest's checksum is the host's; a mismatch fails the whole run. */
    private boolean checksumOk(ComputeRun run) {
        boolean ok = reference(run.n()).equals(run.checksum());
        checksumsOk &= ok;
        return ok;
    }

    private String reference(long n) {
        return references.computeIfAbsent(n, ComputeReference::hex);
    }

    // ---------------------------------------------------------------- helpers

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    /** The JVM flags the ./altovirt launcher passes (its {@code opts=(...)} array). */
    private String launcherJvmOptions() {
        try {
            Matcher m = Pattern.compile("(?s)\\bopts=\\(([^)]*)\\)").matcher(Files.readString(root.resolve("altovirt")));
            return m.find() ? m.group(1).replaceAll("\\s+", " ").strip() : "(not found in ./altovirt)";
        } catch (IOException e) {
            return "(cannot read ./altovirt: " + e.getMessage() + ")";
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    private static String onPath(String exe) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe)) && Files.isRegularFile(Path.of(dir, exe))) {
                return Path.of(dir, exe).toString();
            }
        }
        return null;
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException e) {
            return "unknown CPU";
        }
    }

    private static String commandOutput(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return s.strip();
        } catch (IOException e) {
            return "(cannot run " + String.join(" ", command) + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private void cleanUp() {
        try (Stream<Path> files = Files.walk(work)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory
        }
    }
}
