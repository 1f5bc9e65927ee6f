package org.altovirt.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;

/**
 * {@link EmuBench}'s summary: the table of targets, the emu/QEMU ratios per iteration and the
 * issue's aim (the emu takes at most {@value #AIM} times QEMU TCG's time), printed and as JSON.
 * The aim is judged on the real altovirt process (what a user waits for), or on the in-process
 * emu when the process was not run.
 */
final class EmuReport {
    static final double AIM = 3.0;

    private final List<TargetResult> results;
    private final TargetResult inProcess;
    private final TargetResult process;
    private final TargetResult qemu;
    private final LongFunction<String> reference;
    /** Guest instructions per iteration of compute as the emu counted them (QEMU runs the same code). */
    private final double perIteration;
    private final ObjectNode ratios = JsonNodeFactory.instance.objectNode();
    private final ObjectNode aims = JsonNodeFactory.instance.objectNode();

    /**
     * @param reference the host's checksum for an N, as the guest prints it
     */
    EmuReport(List<TargetResult> results, TargetResult inProcess, TargetResult process, TargetResult qemu,
            LongFunction<String> reference) {
        this.results = results;
        this.inProcess = inProcess != null && inProcess.measured() ? inProcess : null;
        this.process = process != null && process.measured() ? process : null;
        this.qemu = qemu != null && qemu.measured() ? qemu : null;
        this.reference = reference;
        ComputeRun m = this.inProcess == null ? null : this.inProcess.median();
        this.perIteration = m == null ? Double.NaN : (double) m.instructions() / m.n();
    }

    /** Prints the summary; returns whether the aim is met (true when it cannot be judged). */
    boolean print(String loadStart, String loadEnd) {
        System.out.println("results (median of the timed runs; MIPS marked ~ are estimated from the emu's instructions per iteration):");
        System.out.printf(Locale.ROOT, "  %-15s %11s %9s %11s %11s %10s %13s %9s%n", "target", "n", "s",
                "ns/iter", "best ns/it", "MIPS", "cold ns/iter", "checksum");
        for (TargetResult r : results) {
            if (!r.measured()) {
                System.out.printf(Locale.ROOT, "  %-15s FAILED%n", r.name);
                continue;
            }
            ComputeRun m = r.median();
            String mips = m.instructions() >= 0 ? String.format(Locale.ROOT, "%.1f", m.mips())
                    : Double.isNaN(perIteration) ? "-" : String.format(Locale.ROOT, "~%.0f", estimatedMips(m));
            boolean sums = r.runs.stream().allMatch(this::checksumOk) && checksumOk(r.warmup);
            System.out.printf(Locale.ROOT, "  %-15s %11d %9.3f %11.2f %11.2f %10s %13.2f %9s%n", r.name, m.n(), m.seconds(),
                    m.nanosPerIteration(), r.fastest().nanosPerIteration(), mips, r.warmup.nanosPerIteration(),
                    sums ? "ok" : "WRONG");
        }
        if (!Double.isNaN(perIteration)) {
            System.out.printf(Locale.ROOT, "  compute runs %.2f guest instructions per iteration (counted by the emu)%n", perIteration);
        }
        if (qemu != null && qemu.sameN != null) {
            ComputeRun s = qemu.sameN;
            TargetResult emu = process != null ? process : inProcess;
            String emuSum = emu == null ? null : emu.median().n() == s.n() ? emu.median().checksum() : null;
            System.out.printf(Locale.ROOT, "  qemu at the emu's n=%d: %.3f s, %.2f ns/iter, checksum %s (%s)%n", s.n(), s.seconds(),
                    s.nanosPerIteration(), s.checksum(), emuSum == null ? "no emu run at that n to compare"
                            : emuSum.equals(s.checksum()) ? "same as the emu's" : "EMU AND QEMU DIFFER: the emu printed " + emuSum);
        }
        System.out.println("  load average: " + loadStart + " at start, " + loadEnd + " at the end"
                + " (the machine may be shared: load slows every target)");

        System.out.println();
        if (qemu == null || (process == null && inProcess == null)) {
            System.out.println("aim: not judged (" + (qemu == null ? "no QEMU baseline" : "no emu figure") + " in this run)");
            return true;
        }
        double q = qemu.median().nanosPerIteration();
        System.out.println("ratios, emu / QEMU TCG, time per iteration of compute (both from this run):");
        boolean met = true;
        if (process != null) {
            double ratio = process.median().nanosPerIteration() / q;
            met = ratio <= AIM;
            line("altovirt_process", "altovirt -accel emu process / qemu (median, warm)", ratio,
                    String.format(Locale.ROOT, "aim <= %.0f×  %s", AIM, met ? "met" : "NOT MET"));
            aim("altovirt -accel emu process / qemu TCG, median time per iteration of compute N", ratio, met);
            line("altovirt_process_cold", "altovirt process / qemu, cold (the warm-up runs, N/4)",
                    process.warmup.nanosPerIteration() / qemu.warmup.nanosPerIteration(), "(information)");
        }
        if (inProcess != null) {
            double ratio = inProcess.median().nanosPerIteration() / q;
            line("emu_in_process", "EmuVcpu in the harness JVM / qemu (median, warm)", ratio, "(information)");
            if (process == null) {
                met = ratio <= AIM;
                System.out.printf(Locale.ROOT, "  aim <= %.0f× judged on the in-process figure (no process run): %s%n",
                        AIM, met ? "met" : "NOT MET");
                aim("EmuVcpu in-process / qemu TCG, median time per iteration of compute N (no process run)", ratio, met);
            }
        }
        return met;
    }

    private boolean checksumOk(ComputeRun run) {
        return reference.apply(run.n()).equals(run.checksum());
    }

    private double estimatedMips(ComputeRun run) {
        return perIteration * run.n() / (run.nanos() / 1e3);
    }

    private void line(String key, String what, double ratio, String note) {
        System.out.printf(Locale.ROOT, "  %-58s %8.2f×  %s%n", what, ratio, note).flush();
        ratios.putObject(key).put("ratio", round(ratio, 3)).put("ratio_is", what);
    }

    private void aim(String what, double ratio, boolean met) {
        aims.putObject("time_per_iteration").put("ratio", round(ratio, 3)).put("ratio_is", what)
                .put("aim", "<= " + AIM).put("met", met);
    }

    /** The targets, ratios and aim into {@code out}. */
    ObjectNode toJson(ObjectNode out) {
        ObjectNode targets = out.putObject("targets");
        for (TargetResult r : results) {
            ObjectNode t = targets.putObject(r.name);
            t.put("command", r.command).put("load_average_at_start", r.loadAtStart);
            if (r.error != null) {
                t.put("error", r.error);
            }
            t.put("boot_s", Double.isNaN(r.bootS) ? null : round(r.bootS, 4));
            if (r.bootInstructions >= 0) {
                t.put("boot_instructions", r.bootInstructions);
            }
            if (r.warmup != null) {
                run(t.putObject("warmup"), r.warmup);
            }
            ArrayNode runs = t.putArray("runs");
            r.runs.forEach(x -> run(runs.addObject(), x));
            if (!r.runs.isEmpty()) {
                run(t.putObject("median"), r.median());
                t.put("best_ns_per_iteration", round(r.fastest().nanosPerIteration(), 3));
            }
            if (r.sameN != null) {
                run(t.putObject("at_emu_n"), r.sameN);
            }
        }
        if (!Double.isNaN(perIteration)) {
            out.put("instructions_per_iteration", round(perIteration, 3));
        }
        out.set("ratios", ratios);
        out.set("aims", aims);
        return out;
    }

    private void run(ObjectNode o, ComputeRun x) {
        o.put("n", x.n()).put("seconds", round(x.seconds(), 6)).put("ns_per_iteration", round(x.nanosPerIteration(), 3));
        if (x.instructions() >= 0) {
            o.put("instructions", x.instructions()).put("mips", round(x.mips(), 2));
        } else if (!Double.isNaN(perIteration)) {
            o.put("mips_estimated", round(estimatedMips(x), 1));
        }
        o.put("checksum", x.checksum()).put("checksum_ok", checksumOk(x));
    }

    static double round(double v, int places) {
        double f = Math.pow(10, places);
        return Math.round(v * f) / f;
    }
}
