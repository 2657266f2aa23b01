package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import io.tollgate.devstack.ScratchDirs;

/**
 * {@code tollgate drill NAME}: a reliability drill against real servers, ending with one line
 * {@code DRILL <name>: PASS|FAIL <figures>} and exit status 0 or 1.
 */
public final class Drill {
    /** A drill's verdict and the figures that justify it. */
    public record Result(String name, boolean passed, String figures) {
        public String line() {
            return "DRILL " + name + ": " + (passed ? "PASS" : "FAIL") + " " + figures;
        }
    }

    @FunctionalInterface
    interface Runner {
        Result run(Path dir, PrintStream out) throws Exception;
    }

    static final Map<String, Runner> DRILLS = new LinkedHashMap<>();

    static {
        DRILLS.put("budget-race", BudgetRaceDrill::run);
        DRILLS.put("fuzz", FuzzDrill::run);
        DRILLS.put("postgres-outage", PostgresOutageDrill::run);
        DRILLS.put("kill-gateway", KillGatewayDrill::run);
        DRILLS.put("kafka-outage", KafkaOutageDrill::run);
        DRILLS.put("projector-crash", ProjectorCrashDrill::run);
        DRILLS.put("provider-outage", ProviderOutageDrill::run);
    }

    private Drill() {
    }

    public static Result run(String name, Path dir, PrintStream out) throws Exception {
        Runner r = DRILLS.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no drill " + name + "; drills: " + DRILLS.keySet());
        }
        return r.run(dir, out);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !DRILLS.containsKey(args[0]) && !args[0].equals("all")) {
            System.err.println("usage: tollgate drill " + String.join("|", DRILLS.keySet()) + "|all");
            System.exit(2);
        }
        boolean passed = true;
        for (String name : args[0].equals("all") ? DRILLS.keySet() : java.util.List.of(args[0])) {
            Path dir = Files.createTempDirectory("tollgate-drill-" + name);
            Result r;
            try {
                r = run(name, dir, System.out);
            } finally {
                ScratchDirs.deleteTree(dir);
            }
            System.out.println(r.line());
            passed &= r.passed();
        }
        System.exit(passed ? 0 : 1);
    }
}
