package io.tollgate.devstack.drill;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.tollgate.devstack.DevKafka;
import io.tollgate.projector.ProjectorConfig;
import io.tollgate.projector.ProjectorService;

/**
 * {@code kafka-outage}: Kafka stops for 60 seconds under load and is restarted. The gateway keeps
 * serving; afterwards every event reaches the read models exactly once.
 */
final class KafkaOutageDrill {
    private static final int OUTAGE_SECONDS = 60;

    private KafkaOutageDrill() {
    }

    static Drill.Result run(Path dir, PrintStream out) throws Exception {
        try (DevKafka kafka = DevKafka.start(dir.resolve("kafka"));
             DrillStack stack = DrillStack.start(dir, kafka.bootstrap());
             ProjectorService projector = ProjectorService.start(new ProjectorConfig(stack.config.database(),
                     kafka.bootstrap(), stack.config.kafkaTopic(), "drill-projector", "drill-projector",
                     java.time.Duration.ofHours(24), 0))) {
            String key = stack.userKey("kafka@drill.io");
            var ds = stack.gateway.dataSource();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Thread load = Thread.ofPlatform().start(() -> {
                for (long i = 0; !stop.get(); i++) {
                    String body = "{\"model\":\"demo-chat\",\"stream\":" + (i % 4 == 0) + ",\"messages\":[{\"role\":"
                            + "\"user\",\"content\":\"kafka outage " + i + "\"}]}";
                    (stack.send("POST", "/v1/chat/completions", key, body).statusCode() == 200 ? ok : failed)
                            .incrementAndGet();
                }
            });
            Thread.sleep(3000);
            kafka.stop();
            long okAtStop = ok.get();
            out.printf("kafka stopped for %d s%n", OUTAGE_SECONDS);
            Thread.sleep(OUTAGE_SECONDS * 1000L);
            long servedDuringOutage = ok.get() - okAtStop;
            long lag = Projected.ledger(ds) - Projected.applied(ds);
            kafka.start();
            out.println("kafka restarted");
            Thread.sleep(3000);
            stop.set(true);
            load.join();
            long t = System.nanoTime();
            boolean exactlyOnce = Projected.await(ds, 180);
            double catchUp = (System.nanoTime() - t) / 1e9;
            long usage = DrillStack.count(ds, "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'");
            long projectedRequests = DrillStack.count(ds, "SELECT coalesce(sum(requests), 0) FROM rm_balance");
            boolean passed = exactlyOnce && usage == projectedRequests && failed.get() == 0 && servedDuringOutage > 0;
            return new Drill.Result("kafka-outage", passed, "outage_s=" + OUTAGE_SECONDS + " served_during_outage="
                    + servedDuringOutage + " failed=" + failed.get() + " lag_at_restart=" + lag + " usage_events=" + usage
                    + " projected_requests=" + projectedRequests + " caught_up_in_s=" + String.format("%.1f", catchUp));
        }
    }
}
