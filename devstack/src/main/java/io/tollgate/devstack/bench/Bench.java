package io.tollgate.devstack.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code tollgate bench [--quick]}: the benchmarks whose numbers go in the README. Everything runs on
 * loopback with real servers started here, and stops by itself.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("--quick");
        Path dir = Files.createTempDirectory("tollgate-bench");
        System.out.println("== proxy: mock upstream direct vs through Tollgate ==");
        ProxyBench.run(dir.resolve("proxy"), Duration.ofSeconds(quick ? 3 : 10), System.out);
        System.out.println("== replay throughput (" + (quick ? "quick: 100k" : "1M") + " synthetic events) ==");
        ReplayBench.run(dir.resolve("replay"), quick ? 100_000 : 1_000_000, System.out);
        System.exit(0);
    }
}
