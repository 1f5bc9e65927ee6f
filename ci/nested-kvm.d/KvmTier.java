import static org.junit.platform.engine.discovery.ClassNameFilter.excludeClassNamePatterns;
import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;
import static org.junit.platform.launcher.EngineFilter.includeEngines;
import static org.junit.platform.launcher.TagFilter.includeTags;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The KVM test tier in one JVM (ci/nested-kvm): the JUnit tests of org.altovirt.accel.kvm and
 * the acceptance examples tagged @kvm, run through the JUnit Platform launcher that is already
 * on the test class path. Inside the nested guest a JVM takes tens of seconds to start and
 * find the tests, so one JVM runs everything, and Maven, which would start several, is not used.
 *
 * <p>Usage: {@code java -cp CLASSPATH:DIR KvmTier REPORT}; with {@code -Dkvm-tier.only=REGEX}
 * only the JUnit classes whose names match, and no Cucumber example (for chasing one test). Each test's outcome is printed as it
 * ends and appended to REPORT as one line: {@code PASS name}, {@code FAIL name: why} or
 * {@code SKIP name: why}; the last line is {@code TOTAL passed=N failed=N skipped=N}. The exit
 * status is 0 when the run completed, whatever the outcomes: ci/nested-kvm judges them.
 */
public final class KvmTier {
    private KvmTier() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: KvmTier REPORT-FILE");
            System.exit(2);
        }
        // Two requests, one JVM: a tag filter on a request applies to every engine in it, and
        // the JUnit tests carry no tag. Cucumber's own cucumber.filter.tags would list every
        // other scenario as skipped; the JUnit Platform's tag filter leaves them out of the plan.
        // KvmAbiTest compiles C against the kernel headers and needs no /dev/kvm: the default
        // suite runs it on every machine, and under emulation gcc alone takes over a minute.
        // A test that hangs (a vCPU that never leaves KVM_RUN) fails alone, in its own thread,
        // instead of holding the whole tier until its time limit.
        String only = System.getProperty("kvm-tier.only");
        LauncherDiscoveryRequest junit = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage("org.altovirt.accel.kvm"))
                .filters(includeEngines("junit-jupiter"),
                        includeClassNamePatterns(only == null ? ".*" : only),
                        excludeClassNamePatterns("org\\.altovirt\\.accel\\.kvm\\.KvmAbiTest"))
                .configurationParameter("junit.jupiter.execution.timeout.default", "120 s")
                .configurationParameter("junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD")
                .build();
        LauncherDiscoveryRequest cucumber = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass("org.altovirt.acceptance.RunCucumberIT"))
                // The Linux scenarios are not yet proven on nested KVM (features/linux.feature).
                .filters(includeTags("kvm & !linux"))
                .build();
        Path report = Path.of(args[0]);
        Files.deleteIfExists(report);
        Outcomes outcomes = new Outcomes(report, System.out);
        Launcher launcher = LauncherFactory.create();
        launcher.execute(junit, outcomes);
        if (only == null) {
            launcher.execute(cucumber, outcomes);
        }
        outcomes.finish();
        // A test thread left behind by a timeout must not keep the JVM, and so the guest, alive.
        System.exit(0);
    }

    /** Counts and records each test (a leaf: a JUnit method or a Cucumber example) as it ends. */
    private static final class Outcomes implements TestExecutionListener {
        /** Levels of the tree that only lengthen a test's name. */
        private static final Set<String> SCAFFOLDING = Set.of("engine", "suite", "examples");

        private final Path report;
        private final PrintStream console;
        private final Map<String, Long> startedAt = new HashMap<>();
        private TestPlan plan;
        private int passed;
        private int failed;
        private int skipped;

        Outcomes(Path report, PrintStream console) {
            this.report = report;
            this.console = console;
        }

        @Override
        public void testPlanExecutionStarted(TestPlan testPlan) {
            plan = testPlan;
            long tests = testPlan.countTestIdentifiers(TestIdentifier::isTest);
            console.println("kvm-tier: " + tests + " tests found in " + roots(testPlan) + " (JVM up "
                    + ProcessHandle.current().info().startInstant()
                            .map(t -> Duration.between(t, Instant.now()).toSeconds() + " s")
                            .orElse("?")
                    + ")");
            if (tests == 0) {
                // A selection that finds nothing proves nothing: a renamed package or tag.
                String line = "FAIL " + roots(testPlan) + ": no test found";
                console.println("kvm-tier: " + line);
                append(line);
                failed++;
            }
        }

        private static String roots(TestPlan testPlan) {
            return testPlan.getRoots().stream().map(TestIdentifier::getDisplayName)
                    .reduce((a, b) -> a + ", " + b).orElse("no engine");
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            startedAt.put(id.getUniqueId(), System.nanoTime());
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            // A skipped container skips every test under it: count each one.
            if (id.isTest()) {
                record("SKIP", id, reason);
                skipped++;
            } else {
                for (TestIdentifier child : plan.getDescendants(id)) {
                    if (child.isTest()) {
                        record("SKIP", child, reason);
                        skipped++;
                    }
                }
            }
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            Optional<Throwable> why = result.getThrowable();
            if (!id.isTest()) {
                // A container that fails (a class's @BeforeAll, a feature that does not parse)
                // is a failure even where no test under it ran.
                if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                    record("FAIL", id, describe(why));
                    failed++;
                }
                return;
            }
            switch (result.getStatus()) {
                case SUCCESSFUL -> {
                    record("PASS", id, null);
                    passed++;
                }
                case ABORTED -> {
                    record("SKIP", id, why.map(Throwable::getMessage).orElse("aborted"));
                    skipped++;
                }
                case FAILED -> {
                    record("FAIL", id, describe(why));
                    failed++;
                }
            }
        }

        void finish() throws IOException {
            String total = "TOTAL passed=" + passed + " failed=" + failed + " skipped=" + skipped;
            console.println("kvm-tier: " + total);
            append(total);
        }

        private void record(String verdict, TestIdentifier id, String why) {
            String line = verdict + " " + name(id) + (why == null ? "" : ": " + oneLine(why));
            Long start = startedAt.get(id.getUniqueId());
            // How long each test took: under nested emulation that is what decides CI's time.
            String took = start == null ? "" : String.format(" (%.1f s)", (System.nanoTime() - start) / 1e9);
            console.println("kvm-tier: " + line + took);
            if (why != null && verdict.equals("FAIL")) {
                console.println(why);
            }
            append(line);
        }

        private void append(String line) {
            try {
                Files.writeString(report, line + "\n", StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the report " + report, e);
            }
        }

        /** "Disks > Example #2.1: The guest sees the disk (kvm)" or "KvmTest > methodName()". */
        private String name(TestIdentifier id) {
            List<String> parts = new ArrayList<>();
            for (TestIdentifier at = id; at != null; at = plan.getParent(at).orElse(null)) {
                String type = at.getUniqueIdObject().getLastSegment().getType();
                // An example's own name already says its scenario; engines, the suite class and
                // the Examples table only lengthen the line.
                boolean noise = SCAFFOLDING.contains(type) || (type.equals("scenario") && at != id);
                if (!noise) {
                    parts.add(0, at.getDisplayName());
                }
            }
            return String.join(" > ", parts);
        }

        private static String describe(Optional<Throwable> why) {
            if (why.isEmpty()) {
                return "failed";
            }
            StringWriter trace = new StringWriter();
            why.get().printStackTrace(new PrintWriter(trace));
            String[] lines = trace.toString().split("\n");
            return String.join("\n", Arrays.copyOf(lines, Math.min(lines.length, 25)));
        }

        private static String oneLine(String text) {
            String first = text.strip().split("\n", 2)[0];
            return first.length() > 300 ? first.substring(0, 300) + "..." : first;
        }
    }
}
