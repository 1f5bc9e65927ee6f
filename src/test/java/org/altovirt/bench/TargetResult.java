package org.altovirt.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What {@link EmuBench} measured on one target: its boot, its warm-up run and its timed runs, or why it failed. */
final class TargetResult {
    final String name;
    final String command;
    double bootS = Double.NaN;
    /** Guest instructions from the start to the {@code ready} line; -1 where not counted. */
    long bootInstructions = -1;
    /** The first compute, of N/4: the cold figure (JIT or translation still at work). */
    ComputeRun warmup;
    final List<ComputeRun> runs = new ArrayList<>();
    /** QEMU only: one run at the emu's N, to compare checksums and times at the same N. */
    ComputeRun sameN;
    String error;
    String loadAtStart;

    TargetResult(String name, String command) {
        this.name = name;
        this.command = command;
    }

    /** Whether it was measured: no failure, at least one timed run. */
    boolean measured() {
        return error == null && !runs.isEmpty() && warmup != null;
    }

    /** The run with the median time (the lower middle one for an even count); null when none. */
    ComputeRun median() {
        List<ComputeRun> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(ComputeRun::nanosPerIteration));
        return sorted.isEmpty() ? null : sorted.get((sorted.size() - 1) / 2);
    }

    ComputeRun fastest() {
        return runs.stream().min(Comparator.comparingDouble(ComputeRun::nanosPerIteration)).orElse(null);
    }
}
