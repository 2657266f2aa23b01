package io.tollgate.devstack.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.devstack.DevKafka;
import io.tollgate.devstack.DevPostgres;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.relay.LedgerRelay;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.projector.ProjectorConfig;
import io.tollgate.projector.Replay;
import io.tollgate.schema.Migrate;

/**
 * Replay throughput: N synthetic usage events (1,000 accounts, 5,000 keys, 20,000 distinct prompts)
 * in a real Postgres, published to a real Kafka by the relay, then replayed from each source with
 * the production {@link Projection}. Not a test: it reports numbers for docs/performance.md.
 */
public final class ReplayBench {
    public record Result(long events, double relayPerSecond, double postgresPerSecond, double kafkaPerSecond) {
    }

    private ReplayBench() {
    }

    public static Result run(Path dir, long events, PrintStream out) throws Exception {
        try (DevPostgres pg = DevPostgres.start(dir.resolve("postgres"));
             DevKafka kafka = DevKafka.start(dir.resolve("kafka"))) {
            PostgresSettings db = pg.database("bench");
            try (HikariDataSource ds = db.pool("bench")) {
                Migrate.run(ds);
                long t0 = System.nanoTime();
                generate(ds, events);
                out.printf("generated %,d events in Postgres in %.1f s%n", events, (System.nanoTime() - t0) / 1e9);

                EventStore store = new EventStore(ds, new EventCodec());
                long t1 = System.nanoTime();
                try (LedgerRelay relay = new LedgerRelay(ds, store, kafka.bootstrap(), "bench.ledger", 10_000)) {
                    while (relay.publishedSeq() < events) {
                        Thread.sleep(100);
                    }
                }
                double relayRate = events / ((System.nanoTime() - t1) / 1e9);
                out.printf("relay published %,d events to Kafka: %,.0f events/s%n", events, relayRate);

                Replay replay = new Replay(new Projection(Duration.ofHours(24)));
                Replay.Progress fromPg = new Replay.Progress(out, events);
                replay.fromPostgres(ds, null, fromPg);
                double pgRate = events / fromPg.seconds();
                out.printf("replay from Postgres: %,d events in %.2f s = %,.0f events/s%n", events, fromPg.seconds(), pgRate);

                Replay.Progress fromKafka = new Replay.Progress(out, events);
                replay.fromKafka(kafka.bootstrap(), "bench.ledger", null, fromKafka);
                double kafkaRate = events / fromKafka.seconds();
                out.printf("replay from Kafka: %,d events in %.2f s = %,.0f events/s%n", events, fromKafka.seconds(),
                        kafkaRate);
                commandLine(db, kafka.bootstrap(), out);
                return new Result(events, relayRate, pgRate, kafkaRate);
            }
        }
    }

    /**
     * The {@code tollgate replay} command itself on the same events: projecting while writing the
     * per-event rows into schema replay, then saving the summed models.
     */
    private static void commandLine(PostgresSettings db, String bootstrap, PrintStream out) throws Exception {
        ProjectorConfig config = new ProjectorConfig(db, bootstrap, "bench.ledger", "bench", "replay",
                Duration.ofHours(24), 0);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        Replay.run(config, Replay.Source.POSTGRES, null, false, new PrintStream(printed, true, StandardCharsets.UTF_8));
        double seconds = (System.nanoTime() - t0) / 1e9;
        printed.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(" events from ")).forEach(l ->
                out.println("replay command: " + l));
        out.printf("replay command: %.1f s in all, read models saved included%n", seconds);
    }

    /** Synthetic UsageRecorded rows, generated inside Postgres (the ledger's own JSON field names). */
    private static void generate(HikariDataSource ds, long events) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             PreparedStatement insert = c.prepareStatement("""
                     INSERT INTO ledger_event (event_id, type, version, account_id, occurred_at, payload)
                     SELECT gen_random_uuid(), 'UsageRecorded', 1, (g % 1000)::text,
                            timestamptz '2026-10-01' + make_interval(secs => g),
                            jsonb_build_object('request_id', 'req_' || g, 'user_id', g % 1000, 'key_id', g % 5000,
                              'model', 'model-' || (g % 8), 'provider', 'bench', 'endpoint', '/chat/completions',
                              'streamed', g % 3 = 0, 'prompt_tokens', g % 500, 'completion_tokens', g % 300,
                              'total_tokens', g % 500 + g % 300, 'tokens_estimated', false, 'cost_micros', g % 9000,
                              'latency_ms', g % 40, 'upstream_status', 200, 'prompt_hash', 'h' || (g % 20000),
                              'cost_centre', 'cc-' || (g % 10), 'project', 'p-' || (g % 20), 'environment', 'live',
                              'agent', null)
                     FROM generate_series(?, ?) AS g""")) {
            s.execute("SET synchronous_commit = off");
            c.setAutoCommit(false);
            for (long from = 1; from <= events; from += 200_000) {
                insert.setLong(1, from);
                insert.setLong(2, Math.min(events, from + 199_999));
                insert.executeUpdate();
            }
            c.commit();
        }
    }
}
