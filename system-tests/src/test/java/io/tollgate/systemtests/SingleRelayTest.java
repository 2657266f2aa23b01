package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.relay.LedgerRelay;
import io.tollgate.ledger.store.EventStore;

/** With several gateway instances, one relay publishes (seq order holds); another takes over when it stops. */
class SingleRelayTest {
    @Test
    void onlyTheRelayHoldingTheLockPublishesAndAnotherTakesOverWhenItStops() throws Exception {
        String topic = "single-relay-" + System.nanoTime();
        try (Gateway gateway = Gateway.start(TestStack.config(TestStack.freshDatabase()))) {
            var ds = gateway.dataSource();
            EventStore store = new EventStore(ds, new EventCodec());
            String bootstrap = TestStack.kafka().bootstrap();
            List<LedgerRelay> relays = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                relays.add(new LedgerRelay(ds, store, bootstrap, topic, 100));
            }
            try {
                store.append(List.of(NewEvent.of(new CreditsAdded(1, 1, "a", "a", 1))));
                long head = TestStack.count(ds, "SELECT max(seq) FROM ledger_event");
                TestStack.await("one relay to publish", 60, () -> relays.stream().anyMatch(r -> r.publishedSeq() == head));
                assertEquals(1, relays.stream().filter(r -> r.publishedSeq() >= 0).count(), "exactly one relay publishes");

                LedgerRelay leader = relays.stream().filter(r -> r.publishedSeq() >= 0).findFirst().orElseThrow();
                leader.close();
                relays.remove(leader);
                store.append(List.of(NewEvent.of(new CreditsAdded(1, 2, "b", "b", 1))));
                long next = TestStack.count(ds, "SELECT max(seq) FROM ledger_event");
                TestStack.await("another relay to take over", 60,
                        () -> relays.stream().anyMatch(r -> r.publishedSeq() == next));
                assertEquals(1, relays.stream().filter(r -> r.publishedSeq() >= 0).count());
                assertEquals(next, TestStack.count(ds, "SELECT last_seq FROM relay_checkpoint"));
            } finally {
                relays.forEach(LedgerRelay::close);
            }
        }
    }

    /**
     * Two gateways relaying to one topic: one relay publishes, the other stands by. Both report the relay's
     * lag (0 once it caught up), in /ready and in the gauge the relay-lag alert watches; the standby used to
     * report the whole ledger as its lag, which would fire the alert on every standby instance.
     */
    @Test
    void everyInstanceReportsTheRelaysLagNotItsStandbyRelays() throws Exception {
        var db = TestStack.freshDatabase();
        String topic = "standby-relay-" + System.nanoTime();
        String bootstrap = TestStack.kafka().bootstrap();
        try (Gateway a = Gateway.start(TestStack.config(db).withKafka(bootstrap, topic));
             Gateway b = Gateway.start(TestStack.config(db).withKafka(bootstrap, topic))) {
            EventStore store = new EventStore(a.dataSource(), new EventCodec());
            for (int i = 0; i < 20; i++) {
                store.append(List.of(NewEvent.of(new CreditsAdded(1, 1, "r" + i, "r" + i, 1))));
            }
            long head = TestStack.count(a.dataSource(), "SELECT max(seq) FROM ledger_event");
            TestStack.await("the relay to publish every event", 60,
                    () -> TestStack.count(a.dataSource(), "SELECT coalesce(max(last_seq), 0) FROM relay_checkpoint") == head);
            for (Gateway g : List.of(a, b)) {
                Api api = new Api(g.port());
                assertEquals(0, api.get("/ready", null).json().get("relay_lag_events").asLong());
                assertTrue(api.get("/metrics", null).body().lines()
                        .anyMatch(l -> l.matches("tollgate_relay_lag_events(\\{[^}]*})? 0(\\.0)?")), "the gauge reads 0");
            }
        }
    }
}
