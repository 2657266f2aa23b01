package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.tollgate.devstack.DevKafka;
import io.tollgate.devstack.ProjectorProcess;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.projector.Replay;

/**
 * {@code projector-crash}: the ledger-projector process is SIGKILLed 20 times while requests keep
 * flowing through the gateway; afterwards the live read models must equal a clean replay.
 */
final class ProjectorCrashDrill {
    private ProjectorCrashDrill() {
    }

    static Drill.Result run(Path dir, PrintStream out) throws Exception {
        try (DevKafka kafka = DevKafka.start(dir.resolve("kafka"));
             DrillStack stack = DrillStack.start(dir, kafka.bootstrap())) {
            String key = stack.userKey("crash@drill.io");
            var ds = stack.gateway.dataSource();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ok = new AtomicLong();
            Thread load = Thread.ofPlatform().start(() -> {
                for (long i = 0; !stop.get(); i++) {
                    String body = "{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"crash " + i % 50
                            + "\"}]}";
                    if (stack.send("POST", "/v1/chat/completions", key, body).statusCode() == 200) {
                        ok.incrementAndGet();
                    }
                }
            });
            Random random = new Random(11);
            String classpath = System.getProperty("java.class.path");
            for (int kill = 1; kill <= 20; kill++) {
                Process p = ProjectorProcess.start(dir.resolve("projector.log"), classpath, stack.config.database(),
                        kafka.bootstrap(), stack.config.kafkaTopic());
                long before = Projected.applied(ds);
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (Projected.applied(ds) <= before && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                Thread.sleep(random.nextInt(400));
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                out.printf("kill %d: %,d of %,d ledger events applied%n", kill, Projected.applied(ds), Projected.ledger(ds));
            }
            stop.set(true);
            load.join();
            Process last = ProjectorProcess.start(dir.resolve("projector.log"), classpath, stack.config.database(),
                    kafka.bootstrap(), stack.config.kafkaTopic());
            boolean caughtUp;
            try {
                caughtUp = Projected.await(ds, 180);
            } finally {
                last.destroy();
                last.waitFor(10, TimeUnit.SECONDS);
            }
            ReadModels live;
            try (var c = ds.getConnection()) {
                live = new ReadModelStore("public").loadAll(c);
            }
            ReadModels replayed = new Replay(new Projection(Duration.ofHours(24))).fromPostgres(ds, null,
                    new Replay.Progress(out, Projected.ledger(ds)));
            List<ReadModels.Difference> differences = ReadModels.diff(live, replayed);
            differences.stream().limit(10).forEach(d -> out.println("DIFFERENCE " + d));
            boolean passed = caughtUp && differences.isEmpty();
            return new Drill.Result("projector-crash", passed, "kills=20 requests_ok=" + ok.get() + " ledger_events="
                    + Projected.ledger(ds) + " applied=" + Projected.applied(ds) + " differences_from_replay="
                    + differences.size());
        }
    }
}
