package org.altovirt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The QMP performance figures of the real altovirt process against QEMU, from one run (see
 * {@code ci/bench}): start-up (spawn → greeting → {@code qmp_capabilities} answered), sequential
 * {@code query-status} round trips over one connection, and the process's memory. Every figure is
 * also given as a ratio against QEMU measured in the same run, so the ratios hold on any machine.
 *
 * <p>The client is the minimal one below ({@link Conn}): a blocking {@link SocketChannel} that
 * writes pre-encoded command bytes and reads up to CRLF itself; the project's {@code QmpClient} is
 * not used for timing because its reader thread adds a thread hand-off to every reply.
 *
 * <p>Options: {@code --runs N} (starts per target, default 9, after one uncounted warm-up start),
 * {@code --rtt-count M} (timed round trips, default 20000), {@code --rtt-warmup W} (default 2000),
 * {@code --no-qemu}, {@code --json FILE} (default target/bench/qmp.json), {@code --check} (exit 1
 * when an aim is not met).
 */
public final class QmpBench {
    private static final String QEMU = "qemu-system-x86_64";
    private static final byte[] CAPABILITIES = "{\"execute\":\"qmp_capabilities\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] QUERY_STATUS = "{\"execute\":\"query-status\"}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RETURN_PREFIX = "{\"return\"".getBytes(StandardCharsets.US_ASCII);
    private static final long START_PATIENCE_NS = TimeUnit.SECONDS.toNanos(60);
    /** Pause between connect attempts while the socket does not exist yet or refuses. */
    private static final long CONNECT_RETRY_NS = TimeUnit.MICROSECONDS.toNanos(500);

    /** Aims of the issue: ready within 2 × QEMU, ≥ 10 × QEMU's round trips/s, RSS ≤ QEMU's. */
    private static final double AIM_READY = 2.0;
    private static final double AIM_THROUGHPUT = 10.0;
    private static final double AIM_RSS = 1.0;

    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Path root;
    private final Path work;
    private int runs = 9;
    private int rttCount = 20_000;
    private int rttWarmup = 2_000;
    private boolean useQemu = true;
    private boolean check;
    private Path jsonOut;
    private int socketSeq;

    private QmpBench(Path root) throws IOException {
        this.root = root;
        this.work = Files.createTempDirectory("altovirt-bench-");
        this.jsonOut = root.resolve("target/bench/qmp.json");
    }

    public static void main(String[] args) throws Exception {
        QmpBench bench = new QmpBench(Path.of(System.getProperty("altovirt.root", System.getProperty("user.dir"))).toAbsolutePath());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> bench.runs = positive(args, ++i);
                case "--rtt-count" -> bench.rttCount = positive(args, ++i);
                case "--rtt-warmup" -> bench.rttWarmup = Integer.parseInt(value(args, i++));
                case "--no-qemu" -> bench.useQemu = false;
                case "--check" -> bench.check = true;
                case "--json" -> bench.jsonOut = Path.of(value(args, i++));
                case "-h", "--help" -> {
                    System.out.println("usage: ci/bench [--runs N] [--rtt-count M] [--rtt-warmup W] [--no-qemu] [--json FILE] [--check]\n"
                            + "       ci/bench --jmh [JMH options]   (in-process microbenchmark, Maven profile bench)");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (try --help)");
            }
        }
        int status;
        try {
            status = bench.run();
        } catch (StartFailure e) {
            System.out.println();
            System.out.println("FAILED: " + e.getMessage());
            status = 2;
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

    private static int positive(String[] args, int i) {
        int n = Integer.parseInt(value(args, i - 1));
        if (n < 1) {
            throw new IllegalArgumentException(args[i - 1] + " must be at least 1");
        }
        return n;
    }

    // ---------------------------------------------------------------- targets

    /** A program to measure: how to start it with its QMP socket at a given path. */
    private record Target(String name, Function<Path, List<String>> command, String display, String expectedComm) {}

    private Target altovirt() {
        String launcher = root.resolve("altovirt").toString();
        return new Target("altovirt",
                sock -> List.of(launcher, "-machine", "microvm", "-m", "256", "-qmp", "unix:" + sock + ",server,nowait"),
                "./altovirt -machine microvm -m 256 -qmp unix:PATH,server,nowait",
                "java");
    }

    private static Target qemu(String exe) {
        return new Target("qemu",
                sock -> List.of(exe, "-machine", "microvm", "-accel", "tcg", "-m", "256", "-nodefaults",
                        "-display", "none", "-S", "-qmp", "unix:" + sock + ",server,nowait"),
                QEMU + " -machine microvm -accel tcg -m 256 -nodefaults -display none -S -qmp unix:PATH,server,nowait",
                QEMU.substring(0, 15)); // /proc/PID/comm keeps 15 characters
    }

    // ---------------------------------------------------------------- the run

    private int run() throws Exception {
        String qemuExe = useQemu ? onPath(QEMU) : null;
        List<Target> targets = new ArrayList<>();
        targets.add(altovirt());
        if (qemuExe != null) {
            targets.add(qemu(qemuExe));
        }

        ObjectNode report = json.createObjectNode();
        report.put("time", Instant.now().toString());
        ObjectNode machine = report.putObject("machine");
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        machine.put("cpu", cpuModel());
        machine.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("kvm", Files.exists(Path.of("/dev/kvm")));
        String javaVersion = commandOutput(List.of("java", "-version"));
        machine.put("java", javaVersion);
        machine.put("harness_java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        String qemuVersion = qemuExe == null ? null : firstLine(commandOutput(List.of(qemuExe, "--version")));
        machine.put("qemu", qemuVersion);
        String javaOpts = System.getenv("ALTOVIRT_JAVA_OPTS");
        ObjectNode params = report.putObject("parameters");
        params.put("runs", runs).put("warmup_starts", 1).put("rtt_count", rttCount).put("rtt_warmup", rttWarmup)
                .put("rtt_chunks_alternating", RTT_CHUNKS);
        params.put("client", "org.altovirt.bench.QmpBench minimal blocking SocketChannel client (raw bytes, reads to CRLF)");
        params.put("ALTOVIRT_JAVA_OPTS", javaOpts);

        System.out.println("== QMP benchmark: altovirt vs QEMU ==");
        System.out.printf(Locale.ROOT, "machine:  %d CPUs (nproc), %s; %s; /dev/kvm %s%n",
                Runtime.getRuntime().availableProcessors(), cpuModel(), machine.get("kernel").asText(),
                machine.get("kvm").asBoolean() ? "present" : "absent");
        System.out.println("java:     " + javaVersion.strip().replace("\n", "\n          "));
        System.out.println("qemu:     " + (qemuVersion != null ? qemuVersion
                : useQemu ? "not installed (" + QEMU + " not on PATH): altovirt's figures only, no ratios"
                : "skipped (--no-qemu)"));
        for (Target t : targets) {
            System.out.printf(Locale.ROOT, "%-9s %s%n", t.name() + ":", t.display());
        }
        if (javaOpts != null && !javaOpts.isBlank()) {
            System.out.println("note:     ALTOVIRT_JAVA_OPTS=" + javaOpts + " is passed to altovirt");
        }
        System.out.printf(Locale.ROOT, "method:   %d starts per target (+1 uncounted warm-up start), interleaved; "
                + "%d warm-up + %d timed query-status round trips on one connection%n"
                + "          per target, both targets up, timed in %d chunks alternating between them;%n"
                + "          client: QmpBench's minimal blocking SocketChannel client (raw bytes, reads to CRLF; not QmpClient);"
                + " schema validation on (altovirt default, not strict)%n", runs, rttWarmup, rttCount, RTT_CHUNKS);
        System.out.println();

        // Start-up: one uncounted warm-up start per target (altovirt's launcher may train its CDS
        // archive), then the timed starts, interleaved so that drift in the machine's load hits both.
        Map<Target, List<StartSample>> starts = new LinkedHashMap<>();
        List<Target> failed = new ArrayList<>();
        for (Target t : targets) {
            System.out.print("warm-up start " + t.name() + "... ");
            System.out.flush();
            try {
                StartSample s = startOnce(t, true);
                System.out.printf(Locale.ROOT, "ready in %.1f ms%n", s.readyMs);
                if (s.stderrHead != null && !s.stderrHead.isBlank()) {
                    System.out.println("  " + t.name() + " said: " + s.stderrHead.strip().replace("\n", "\n  " + t.name() + " said: "));
                }
                starts.put(t, new ArrayList<>());
            } catch (StartFailure e) {
                System.out.println("FAILED");
                System.out.println("  " + e.getMessage().replace("\n", "\n  "));
                failed.add(t);
            }
        }
        if (failed.stream().anyMatch(t -> t.name().equals("altovirt"))) {
            System.out.println("altovirt did not start; nothing to measure");
            return 2;
        }
        if (!failed.isEmpty()) {
            System.out.println("QEMU did not start with the command line above: altovirt's figures only, no ratios");
            report.put("qemu_failed", true);
        }
        targets.removeAll(failed);
        System.out.print("timed starts: ");
        for (int i = 0; i < runs; i++) {
            for (Target t : targets) {
                starts.get(t).add(startOnce(t, false));
            }
            System.out.print(".");
            System.out.flush();
        }
        System.out.println();

        System.out.print("round trips:");
        Map<Target, RttResult> rtts = roundTrips(targets);
        System.out.println();

        // ---- the table
        ObjectNode results = report.putObject("targets");
        Map<String, double[]> rows = new LinkedHashMap<>();
        for (Target t : targets) {
            List<StartSample> ss = starts.get(t);
            double[] greeting = ss.stream().mapToDouble(s -> s.greetingMs).sorted().toArray();
            double[] ready = ss.stream().mapToDouble(s -> s.readyMs).sorted().toArray();
            double[] connect = ss.stream().mapToDouble(s -> s.connectMs).sorted().toArray();
            RttResult r = rtts.get(t);
            ObjectNode o = results.putObject(t.name());
            o.put("command", t.display());
            o.put("spawn_to_connect_ms_median", median(connect));
            o.put("connect_attempts_median", median(ss.stream().mapToDouble(s -> s.connectAttempts).sorted().toArray()));
            o.put("spawn_to_greeting_ms_median", median(greeting));
            o.put("spawn_to_greeting_ms_min", round(greeting[0], 2));
            o.put("spawn_to_ready_ms_median", median(ready));
            o.put("spawn_to_ready_ms_min", round(ready[0], 2));
            ArrayNode rawReady = o.putArray("spawn_to_ready_ms");
            ss.forEach(s -> rawReady.add(round(s.readyMs, 2)));
            ArrayNode rawGreeting = o.putArray("spawn_to_greeting_ms");
            ss.forEach(s -> rawGreeting.add(round(s.greetingMs, 2)));
            o.put("round_trips", r.count);
            o.put("round_trips_per_s", r.perSecond);
            o.put("latency_us_median", r.medianUs);
            o.put("latency_us_p99", r.p99Us);
            o.put("latency_us_p999", r.p999Us);
            o.put("latency_us_max", r.maxUs);
            o.put("first_reply", r.firstReply);
            o.put("measured_pid", r.pid);
            o.put("measured_comm", r.comm);
            o.put("vm_rss_mib", r.rssMib);
            o.put("vm_hwm_mib", r.hwmMib);
        }
        String a = "altovirt";
        String q = targets.size() > 1 ? "qemu" : null;
        if (q == null) {
            System.out.printf(Locale.ROOT, "%-34s %12s%n", "figure", "altovirt");
        } else {
            System.out.printf(Locale.ROOT, "%-34s %12s %12s %14s  %s%n", "figure", "altovirt", "qemu",
                    "altovirt/qemu", "better when ratio is");
        }
        line(results, a, q, "spawn → greeting, median (ms)", "spawn_to_greeting_ms_median", "%.1f", "lower");
        line(results, a, q, "spawn → greeting, min (ms)", "spawn_to_greeting_ms_min", "%.1f", "lower");
        line(results, a, q, "spawn → ready, median (ms)", "spawn_to_ready_ms_median", "%.1f", "lower");
        line(results, a, q, "spawn → ready, min (ms)", "spawn_to_ready_ms_min", "%.1f", "lower");
        line(results, a, q, "query-status round trips/s", "round_trips_per_s", "%.0f", "higher");
        line(results, a, q, "round-trip latency, median (µs)", "latency_us_median", "%.1f", "lower");
        line(results, a, q, "round-trip latency, p99 (µs)", "latency_us_p99", "%.1f", "lower");
        line(results, a, q, "VmRSS after round trips (MiB)", "vm_rss_mib", "%.1f", "lower");
        line(results, a, q, "VmHWM after round trips (MiB)", "vm_hwm_mib", "%.1f", "lower");
        System.out.println();
        for (Target t : targets) {
            RttResult r = rtts.get(t);
            System.out.printf(Locale.ROOT, "%s: memory of pid %d (%s); first query-status reply %s%n",
                    t.name(), r.pid, r.comm, r.firstReply);
        }

        // ---- aims
        boolean allMet = true;
        ObjectNode aims = report.putObject("aims");
        if (q != null) {
            System.out.println();
            System.out.println("aims (ratios from this run):");
            JsonNode ao = results.get(a);
            JsonNode qo = results.get(q);
            double ready = ao.get("spawn_to_ready_ms_median").asDouble() / qo.get("spawn_to_ready_ms_median").asDouble();
            double tput = ao.get("round_trips_per_s").asDouble() / qo.get("round_trips_per_s").asDouble();
            double rss = ao.get("vm_rss_mib").asDouble() / qo.get("vm_rss_mib").asDouble();
            allMet &= aim(aims, "ready", "ready: spawn → capabilities answered (median), altovirt/qemu",
                    "<= 2", ready, ready <= AIM_READY);
            allMet &= aim(aims, "throughput", "throughput: query-status round trips/s, altovirt/qemu",
                    ">= 10", tput, tput >= AIM_THROUGHPUT);
            allMet &= aim(aims, "rss", "memory: VmRSS after the round trips, altovirt/qemu",
                    "<= 1", rss, rss <= AIM_RSS);
        } else {
            System.out.println();
            System.out.println("aims: not judged (no QEMU baseline in this run)");
        }

        Files.createDirectories(jsonOut.toAbsolutePath().getParent());
        json.writeValue(jsonOut.toFile(), report);
        System.out.println();
        System.out.println("written: " + root.relativize(jsonOut.toAbsolutePath()));
        return check && !allMet ? 1 : 0;
    }

    private void line(JsonNode results, String a, String q, String label, String key, String fmt, String better) {
        double av = results.get(a).get(key).asDouble();
        if (q == null) {
            System.out.printf(Locale.ROOT, "%-34s %12s%n", label, String.format(Locale.ROOT, fmt, av));
            return;
        }
        double qv = results.get(q).get(key).asDouble();
        System.out.printf(Locale.ROOT, "%-34s %12s %12s %13.2f×  %s%n", label, String.format(Locale.ROOT, fmt, av),
                String.format(Locale.ROOT, fmt, qv), av / qv, better);
    }

    private static boolean aim(ObjectNode aims, String key, String what, String goal, double ratio, boolean met) {
        System.out.printf(Locale.ROOT, "  %-60s %7.2f×  aim %-5s  %s%n", what, ratio, goal + "×", met ? "met" : "NOT MET");
        aims.putObject(key).put("ratio", round(ratio, 3)).put("ratio_is", what).put("aim", goal).put("met", met);
        return met;
    }

    // ---------------------------------------------------------------- start-up

    private static final class StartFailure extends Exception {
        StartFailure(String message) {
            super(message);
        }
    }

    private static final class StartSample {
        double connectMs;
        double greetingMs;
        double readyMs;
        int connectAttempts;
        String stderrHead;
    }

    /** A started target, connected and negotiated. */
    private final class Running implements AutoCloseable {
        final Target target;
        final Process process;
        final Path sock;
        final Path out;
        final Path err;
        Conn conn;

        Running(Target target, Process process, Path sock, Path out, Path err) {
            this.target = target;
            this.process = process;
            this.sock = sock;
            this.out = out;
            this.err = err;
        }

        String stderr() {
            try {
                return Files.readString(err);
            } catch (IOException e) {
                return "";
            }
        }

        @Override
        public void close() {
            if (conn != null) {
                conn.close();
            }
            try {
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // already gone
            }
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(sock);
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            } catch (IOException ignored) {
                // temp files; the directory is removed at the end
            }
        }
    }

    /** Spawns {@code t}, connects, reads the greeting, negotiates; times each step from the spawn. */
    private Running launch(Target t, StartSample sample) throws IOException, StartFailure {
        int seq = ++socketSeq;
        Path sock = work.resolve(t.name() + "-" + seq + ".sock");
        Path out = work.resolve(t.name() + "-" + seq + ".out");
        Path err = work.resolve(t.name() + "-" + seq + ".err");
        ProcessBuilder pb = new ProcessBuilder(t.command().apply(sock))
                .directory(root.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        Running r = new Running(t, p, sock, out, err);
        try {
            long deadline = t0 + START_PATIENCE_NS;
            UnixDomainSocketAddress address = UnixDomainSocketAddress.of(sock);
            SocketChannel ch = null;
            int attempts = 0;
            while (ch == null) {
                attempts++;
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    c.connect(address);
                    ch = c;
                } catch (IOException e) {
                    c.close();
                    if (!p.isAlive()) {
                        throw new StartFailure(t.name() + " exited with status " + p.exitValue()
                                + " before its QMP socket accepted a connection; stderr:\n" + r.stderr().strip());
                    }
                    if (System.nanoTime() - deadline > 0) {
                        throw new StartFailure(t.name() + ": no QMP socket at " + sock + " after "
                                + TimeUnit.NANOSECONDS.toSeconds(START_PATIENCE_NS) + " s; stderr:\n" + r.stderr().strip());
                    }
                    LockSupport.parkNanos(CONNECT_RETRY_NS);
                }
            }
            long tConnect = System.nanoTime();
            r.conn = new Conn(ch, deadline);
            String greeting = r.conn.readLineString();
            long tGreeting = System.nanoTime();
            if (!greeting.startsWith("{\"QMP\"")) {
                throw new StartFailure(t.name() + ": expected the QMP greeting, got " + greeting);
            }
            r.conn.write(CAPABILITIES);
            String reply = r.conn.readReplyString();
            long tReady = System.nanoTime();
            if (!reply.startsWith("{\"return\"")) {
                throw new StartFailure(t.name() + ": qmp_capabilities answered " + reply);
            }
            sample.connectMs = (tConnect - t0) / 1e6;
            sample.greetingMs = (tGreeting - t0) / 1e6;
            sample.readyMs = (tReady - t0) / 1e6;
            sample.connectAttempts = attempts;
            return r;
        } catch (StartFailure | IOException | RuntimeException e) {
            String stderr = r.stderr();
            r.close();
            if (e instanceof StartFailure sf) {
                throw sf;
            }
            throw new StartFailure(t.name() + ": " + e + "; stderr:\n" + stderr.strip());
        }
    }

    private StartSample startOnce(Target t, boolean keepStderr) throws IOException, StartFailure {
        StartSample s = new StartSample();
        try (Running r = launch(t, s)) {
            if (keepStderr) {
                // what the VMM says at start (altovirt names its accelerator)
                r.conn.write(QUERY_STATUS);
                r.conn.readReplyString();
                s.stderrHead = r.stderr().lines().limit(5).reduce((x, y) -> x + "\n" + y).orElse("");
            }
        }
        return s;
    }

    // ---------------------------------------------------------------- round trips

    private static final class RttResult {
        int count;
        double perSecond;
        double medianUs;
        double p99Us;
        double p999Us;
        double maxUs;
        String firstReply;
        long pid;
        String comm;
        double rssMib;
        double hwmMib;
    }

    /** Timed round trips are run in this many chunks per target, alternating between targets. */
    private static final int RTT_CHUNKS = 10;

    /**
     * All targets up at once, each on its own connection: warm-up, then the timed round trips in
     * chunks that alternate between the targets, so that a change in the machine's load during the
     * run (other work on a small machine) falls on both alike. Then the memory of each process.
     */
    private Map<Target, RttResult> roundTrips(List<Target> targets) throws IOException, StartFailure {
        List<Running> running = new ArrayList<>();
        try {
            for (Target t : targets) {
                Running r = launch(t, new StartSample());
                running.add(r);
                r.conn.extendDeadline(System.nanoTime() + TimeUnit.MINUTES.toNanos(10));
            }
            Map<Target, RttResult> results = new LinkedHashMap<>();
            long[][] lat = new long[running.size()][rttCount];
            long[] total = new long[running.size()];
            for (int k = 0; k < running.size(); k++) {
                Running r = running.get(k);
                RttResult res = new RttResult();
                results.put(r.target, res);
                r.conn.write(QUERY_STATUS);
                res.firstReply = r.conn.readReplyString();
                if (!res.firstReply.startsWith("{\"return\"")) {
                    throw new StartFailure(r.target.name() + ": query-status answered " + res.firstReply);
                }
                System.out.print(" warm-up " + r.target.name());
                System.out.flush();
                timed(r.conn, rttWarmup, new long[rttWarmup], 0);
            }
            System.out.print("; timed ");
            int chunk = (rttCount + RTT_CHUNKS - 1) / RTT_CHUNKS;
            for (int done = 0; done < rttCount; done += chunk) {
                int n = Math.min(chunk, rttCount - done);
                for (int k = 0; k < running.size(); k++) {
                    total[k] += timed(running.get(k).conn, n, lat[k], done);
                }
                System.out.print(".");
                System.out.flush();
            }
            System.out.println();
            for (int k = 0; k < running.size(); k++) {
                Running r = running.get(k);
                RttResult res = results.get(r.target);
                long[] l = lat[k];
                Arrays.sort(l);
                res.count = rttCount;
                res.perSecond = round(rttCount / (total[k] / 1e9), 1);
                res.medianUs = round(l[rttCount / 2] / 1e3, 2);
                res.p99Us = round(percentile(l, 0.99) / 1e3, 2);
                res.p999Us = round(percentile(l, 0.999) / 1e3, 2);
                res.maxUs = round(l[rttCount - 1] / 1e3, 2);
                if (r.conn.events > 0) {
                    res.firstReply += " (" + r.conn.events + " events skipped)";
                }
                // Memory of the VMM process: the launcher execs java, so the spawned pid is the
                // JVM; should a wrapper ever fork instead, take the descendant with the expected name.
                ProcessHandle vmm = r.process.toHandle();
                Target t = r.target;
                if (!t.expectedComm().equals(comm(vmm.pid()))) {
                    vmm = r.process.descendants().filter(h -> t.expectedComm().equals(comm(h.pid())))
                            .findFirst().orElse(vmm);
                }
                res.pid = vmm.pid();
                res.comm = comm(vmm.pid());
                Map<String, Long> status = procStatus(vmm.pid());
                res.rssMib = round(status.getOrDefault("VmRSS", -1024L) / 1024.0, 1);
                res.hwmMib = round(status.getOrDefault("VmHWM", -1024L) / 1024.0, 1);
            }
            return results;
        } finally {
            running.forEach(Running::close);
        }
    }

    /** {@code n} sequential round trips; each one's time into {@code lat} from {@code at}; returns the total. */
    private static long timed(Conn c, int n, long[] lat, int at) throws IOException {
        long begin = System.nanoTime();
        long prev = begin;
        for (int i = 0; i < n; i++) {
            c.write(QUERY_STATUS);
            c.readReply();
            long now = System.nanoTime();
            lat[at + i] = now - prev;
            prev = now;
        }
        return prev - begin;
    }

    private static long percentile(long[] sorted, double p) {
        int idx = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    // ---------------------------------------------------------------- the minimal client

    /**
     * A blocking QMP connection that writes raw bytes and reads CRLF-terminated lines itself, with
     * no thread between the socket and the caller. Events (lines starting {@code {"event"}) are
     * skipped and counted. A watchdog closes the channel at the deadline so no read blocks forever.
     */
    private static final class Conn {
        private static final byte[] EVENT_PREFIX = "{\"event\"".getBytes(StandardCharsets.US_ASCII);
        private final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
        private final byte[] line = new byte[1 << 16];
        private volatile long deadline;
        private final Thread watchdog;
        private int lineLength;
        int events;

        Conn(SocketChannel ch, long deadline) {
            this.ch = ch;
            this.deadline = deadline;
            in.flip();
            watchdog = new Thread(() -> {
                while (ch.isOpen()) {
                    long left = this.deadline - System.nanoTime();
                    if (left <= 0) {
                        close();
                        return;
                    }
                    LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
                }
            }, "bench-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }

        void extendDeadline(long d) {
            deadline = d;
        }

        void write(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        /** Reads one line (without CRLF) into {@link #line}; returns its length. */
        int readLine() throws IOException {
            int n = 0;
            while (true) {
                while (in.hasRemaining()) {
                    byte b = in.get();
                    if (b == '\n' && n > 0 && line[n - 1] == '\r') {
                        lineLength = n - 1;
                        return lineLength;
                    }
                    if (n == line.length) {
                        throw new IOException("line longer than " + line.length + " bytes");
                    }
                    line[n++] = b;
                }
                in.clear();
                int got = ch.read(in);
                in.flip();
                if (got < 0) {
                    throw new IOException("connection closed by the server"
                            + (System.nanoTime() - deadline > 0 ? " (or by the watchdog: deadline passed)" : ""));
                }
            }
        }

        /** Reads lines until one that is not an event; checks that it is a {@code return}. */
        void readReply() throws IOException {
            while (true) {
                readLine();
                if (startsWith(EVENT_PREFIX)) {
                    events++;
                    continue;
                }
                if (!startsWith(RETURN_PREFIX)) {
                    throw new IOException("unexpected reply: " + new String(line, 0, lineLength, StandardCharsets.UTF_8));
                }
                return;
            }
        }

        String readLineString() throws IOException {
            readLine();
            return new String(line, 0, lineLength, StandardCharsets.UTF_8);
        }

        String readReplyString() throws IOException {
            while (true) {
                readLine();
                if (startsWith(EVENT_PREFIX)) {
                    events++;
                    continue;
                }
                return new String(line, 0, lineLength, StandardCharsets.UTF_8);
            }
        }

        private boolean startsWith(byte[] prefix) {
            if (lineLength < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (line[i] != prefix[i]) {
                    return false;
                }
            }
            return true;
        }

        void close() {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static double median(double[] sorted) {
        int n = sorted.length;
        return round(n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2, 2);
    }

    private static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }

    private static String onPath(String exe) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toString();
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

    private static String comm(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    /** The kB figures of /proc/PID/status (VmRSS, VmHWM, ...). */
    private static Map<String, Long> procStatus(long pid) {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                int colon = l.indexOf(':');
                if (colon > 0 && l.endsWith(" kB")) {
                    String v = l.substring(colon + 1, l.length() - 3).strip();
                    m.put(l.substring(0, colon), Long.parseLong(v));
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new UncheckedIOException(new IOException("cannot read /proc/" + pid + "/status: " + e, e));
        }
        return m;
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
