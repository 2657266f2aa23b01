package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.tollgate.devstack.ProjectorProcess;
import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.projector.Replay;

/**
 * The ledger-projector is a separate process killed with SIGKILL twenty times while it is applying
 * a stream of events. Afterwards the read models equal a clean replay: nothing counted twice, nothing missed.
 */
class ProjectorCrashTest {
    private static Process projector(PostgresSettings db, String bootstrap, String topic) throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return ProjectorProcess.start(File.createTempFile("projector", ".log").toPath(), classpath, db, bootstrap, topic);
    }

    @Test
    void killedTwentyTimesMidBatchTheReadModelsStillEqualACleanReplay() throws Exception {
        PostgresSettings db = TestStack.freshDatabase();
        String topic = "crash-" + System.nanoTime();
        String bootstrap = TestStack.kafka().bootstrap();
        try (Gateway gateway = Gateway.start(TestStack.config(db).withKafka(bootstrap, topic))) {
            var ds = gateway.dataSource();
            EventStore store = new EventStore(ds, new EventCodec());
            AtomicBoolean producing = new AtomicBoolean(true);
            AtomicLong produced = new AtomicLong();
            Random random = new Random(7);
            Thread producer = Thread.ofPlatform().start(() -> {
                while (producing.get()) {
                    List<NewEvent> batch = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        long user = 1 + random.nextInt(6);
                        batch.add(NewEvent.of(new UsageRecorded("req-" + produced.get() + "-" + i, user, user * 10,
                                "m" + random.nextInt(3), "p", "/chat/completions", false, random.nextInt(100),
                                random.nextInt(100), 0, false, random.nextInt(5000), 3, 200, "h" + random.nextInt(40),
                                "cc" + random.nextInt(3), "proj", "live", null, 1, false, null, null, null)));
                    }
                    try {
                        store.append(batch);
                        produced.addAndGet(batch.size());
                        Thread.sleep(20);
                    } catch (Exception e) {
                        return;
                    }
                }
            });

            for (int kill = 0; kill < 20; kill++) {
                Process p = projector(db, bootstrap, topic);
                long before = EventFlow.appliedEvents(ds);
                // Kill only once it is busy applying, at a random moment within its work.
                TestStack.await("projector progress", 60, () -> EventFlow.appliedEvents(ds) > before);
                Thread.sleep(random.nextInt(400));
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                System.out.println("kill " + (kill + 1) + " at " + EventFlow.appliedEvents(ds) + " applied of "
                        + produced.get() + " produced");
            }
            producing.set(false);
            producer.join();

            Process last = projector(db, bootstrap, topic);
            try {
                EventFlow.awaitProjected(ds, 120);
            } finally {
                last.destroy();
                last.waitFor(10, TimeUnit.SECONDS);
            }
            ReadModels live;
            try (Connection c = ds.getConnection()) {
                live = new ReadModelStore("public").loadAll(c);
            }
            ReadModels replayed = new Replay(new Projection(Duration.ofHours(24))).fromPostgres(ds, null,
                    new Replay.Progress(System.out, produced.get()));
            assertEquals(List.of(), ReadModels.diff(live, replayed));
            assertEquals(produced.get(), TestStack.count(ds, "SELECT sum(requests) FROM rm_balance"));
            System.out.println("projector killed 20 times; " + produced.get() + " events, read models equal the replay"
                    + " (" + Instant.now() + ")");
        }
    }
}
