package io.tollgate.devstack.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.tollgate.devstack.ScratchDirs;

/**
 * {@code tollgate bench [--quick] [--split-cores] [--profile DIR] [proxy] [replay] [reports]}: the benchmarks whose
 * numbers go in docs/performance.md (all three when none is named). Everything runs on loopback with real
 * servers started here, stops by itself and deletes its data afterwards. {@code --split-cores} gives
 * the proxy bench's load generator and mock one CPU and the gateway and Postgres the others.
 */
public final class Bench {
    private static final Set<String> PARTS = Set.of("proxy", "replay", "reports");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        boolean splitCores = false;
        Path profileTo = null;
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.equals("--split-cores")) {
                splitCores = true;
            } else if (a.equals("--profile") && i + 1 < args.length) {
                profileTo = Path.of(args[++i]);
            } else if (PARTS.contains(a)) {
                parts.add(a);
            } else {
                System.err.println("usage: tollgate bench [--quick] [--split-cores] [--profile DIR] [proxy] [replay] [reports]");
                System.exit(2);
            }
        }
        if (parts.isEmpty()) {
            parts = List.of("proxy", "replay", "reports");
        }
        Path dir = Files.createTempDirectory("tollgate-bench");
        try {
            run(parts, quick, splitCores, profileTo, dir);
        } finally {
            ScratchDirs.deleteTree(dir);
        }
        System.exit(0);
    }

    private static void run(List<String> parts, boolean quick, boolean splitCores, Path profileTo, Path dir)
            throws Exception {
        if (parts.contains("proxy")) {
            System.out.println("== proxy: mock upstream direct vs through Tollgate ==");
            ProxyBench.run(dir.resolve("proxy"), Duration.ofSeconds(quick ? 3 : 10), Duration.ofSeconds(quick ? 6 : 20),
                    splitCores, profileTo, System.out);
        }
        if (parts.contains("replay")) {
            System.out.println("== replay throughput (" + (quick ? "quick: 100k" : "1M") + " synthetic events) ==");
            ReplayBench.run(dir.resolve("replay"), quick ? 100_000 : 1_000_000, System.out);
        }
        if (parts.contains("reports")) {
            long events = quick ? 500_000 : 10_000_000;
            System.out.printf("== reporting latency (%,d usage events projected) ==%n", events);
            ReportBench.run(dir.resolve("reports"), events, System.out);
        }
    }
}
