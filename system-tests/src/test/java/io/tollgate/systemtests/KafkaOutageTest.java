package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

import org.junit.jupiter.api.Test;

import io.tollgate.devstack.DevKafka;
import io.tollgate.projector.Replay;

/** Kafka down while 500 requests run: the gateway keeps serving, and afterwards every event is projected once. */
class KafkaOutageTest {
    @Test
    void fiveHundredRequestsDuringAKafkaOutageAllReachTheReadModelsExactlyOnce() throws Exception {
        try (DevKafka kafka = DevKafka.start(TestStack.tempDir("tollgate-kafka-outage"));
             EventFlow flow = new EventFlow(kafka.bootstrap())) {
            Catalog.register(flow.api);
            String key = flow.api.newKey(null, "completion:invoke,model:any");
            flow.awaitProjected(60);

            kafka.stop();
            Semaphore concurrency = new Semaphore(32);
            List<Future<Integer>> replies = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < 500; i++) {
                    boolean stream = i % 5 == 0;
                    String prompt = "outage request " + i;
                    replies.add(pool.submit(() -> {
                        concurrency.acquire();
                        try {
                            return flow.api.post("/v1/chat/completions", key, Catalog.chatBody("chat", prompt, stream)).status();
                        } finally {
                            concurrency.release();
                        }
                    }));
                }
                for (Future<Integer> r : replies) {
                    assertEquals(200, r.get(), "the gateway keeps serving while Kafka is down");
                }
            }
            long lag = flow.api.get("/ready", null).json().get("relay_lag_events").asLong();
            assertTrue(lag >= 500, "relay lag while Kafka is down: " + lag);

            kafka.start();
            flow.awaitProjected(120);
            assertEquals(500, TestStack.count(flow.gateway.dataSource(),
                    "SELECT sum(requests) FROM rm_balance"), "each of the 500 usage events applied exactly once");
            assertEquals(0, flow.api.get("/ready", null).json().get("relay_lag_events").asLong());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, Replay.run(flow.projectorConfig, Replay.Source.KAFKA, null, true, new PrintStream(out)),
                    out.toString());
        }
    }
}
