package io.tollgate.projector;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.ledger.events.EnvelopeCodec;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.money.Micros;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.projection.Rows.Balance;

/**
 * {@code tollgate replay [--source postgres|kafka] [--until TIMESTAMP] [--verify] [--data DIR]}:
 * rebuilds every read model from event 0 with the same {@link Projection} the live projector runs,
 * into fresh tables in schema {@code replay}. {@code --until} stops at a moment ("balances as of");
 * {@code --verify} compares with the live read models and exits 1 on any difference.
 */
public final class Replay {
    public enum Source { POSTGRES, KAFKA }

    /** Prints a progress line at most once a second. */
    public static final class Progress {
        private final PrintStream out;
        private final long total;
        private final long started = System.nanoTime();
        private long lastPrint = started;
        long done;

        public Progress(PrintStream out, long total) {
            this.out = out;
            this.total = total;
        }

        void tick() {
            done++;
            if ((done & 4095) == 0 && System.nanoTime() - lastPrint > 1_000_000_000L) {
                lastPrint = System.nanoTime();
                double rate = done / seconds();
                long eta = rate > 0 ? (long) ((total - done) / rate) : 0;
                out.printf("replayed %,d of %,d events, %,.0f events/s, ETA %d s%n", done, total, rate, eta);
            }
        }

        public double seconds() {
            return Math.max(1e-9, (System.nanoTime() - started) / 1e9);
        }
    }

    private final Projection projection;
    private final EventCodec codec = new EventCodec();

    public Replay(Projection projection) {
        this.projection = projection;
    }

    /**
     * All events up to {@code until} (null: all), straight from {@code ledger_event}, in seq order.
     * One thread reads and decodes rows while this one projects them, so both cores work.
     */
    public ReadModels fromPostgres(DataSource ds, Instant until, Progress progress) throws SQLException {
        java.util.concurrent.BlockingQueue<List<RecordedEvent>> batches = new java.util.concurrent.ArrayBlockingQueue<>(64);
        List<RecordedEvent> end = List.of();
        SQLException[] failure = new SQLException[1];
        Thread reader = Thread.ofPlatform().name("replay-reader").daemon().start(() -> {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);  // lets the driver stream with a cursor instead of loading everything
                try (PreparedStatement q = c.prepareStatement("SELECT seq, event_id, type, version, account_id, "
                        + "occurred_at, payload::text FROM ledger_event WHERE occurred_at <= ? ORDER BY seq")) {
                    q.setFetchSize(10_000);
                    q.setTimestamp(1, java.sql.Timestamp.from(until == null ? Instant.parse("9999-12-31T00:00:00Z") : until));
                    try (ResultSet rs = q.executeQuery()) {
                        List<RecordedEvent> batch = new ArrayList<>(1000);
                        while (rs.next()) {
                            String type = rs.getString(3);
                            int version = rs.getInt(4);
                            batch.add(new RecordedEvent(rs.getLong(1), rs.getObject(2, UUID.class), type, version,
                                    rs.getString(5), rs.getTimestamp(6).toInstant(),
                                    codec.decode(type, version, rs.getString(7))));
                            if (batch.size() == 1000) {
                                batches.put(batch);
                                batch = new ArrayList<>(1000);
                            }
                        }
                        batches.put(batch);
                    }
                }
                c.commit();
            } catch (SQLException e) {
                failure[0] = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                try {
                    batches.put(end);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        ReadModels state = new ReadModels();
        try {
            for (List<RecordedEvent> batch = batches.take(); batch != end; batch = batches.take()) {
                for (RecordedEvent e : batch) {
                    projection.apply(state, e);
                    progress.tick();
                }
            }
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            reader.interrupt();  // stops the reader if projecting failed part-way
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        return Projection.dropExpiredWindows(state);
    }

    /**
     * All events from Kafka offset 0 of every partition. Partitions interleave accounts arbitrarily;
     * events are merged back into seq order (and relay resends dropped) before projecting.
     */
    public ReadModels fromKafka(String bootstrap, String topic, Instant until, Progress progress) {
        EnvelopeCodec envelopes = new EnvelopeCodec(codec);
        Properties p = LedgerProjector.consumerConfig(new ProjectorConfig(null, bootstrap, topic,
                "tollgate-replay-" + UUID.randomUUID(), "replay", Duration.ZERO, 0));
        List<RecordedEvent> events = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed, endOffsets is the last stable offset. Judge progress by position, which
            // also moves past transaction markers and aborted records that are never returned as records.
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    events.add(envelopes.decode(r.value()));
                }
            }
        }
        events.sort(Comparator.comparingLong(RecordedEvent::seq));
        ReadModels state = new ReadModels();
        long last = 0;
        for (RecordedEvent e : events) {
            if (e.seq() == last || (until != null && e.occurredAt().isAfter(until))) {
                continue;
            }
            last = e.seq();
            projection.apply(state, e);
            progress.tick();
        }
        return Projection.dropExpiredWindows(state);
    }

    public static void main(String[] args) throws Exception {
        Source source = Source.POSTGRES;
        Instant until = null;
        boolean verify = false;
        Path data = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--source" -> source = Source.valueOf(arg(args, ++i).toUpperCase());
                case "--until" -> until = Instant.parse(arg(args, ++i));
                case "--verify" -> verify = true;
                case "--data" -> data = Path.of(arg(args, ++i));
                default -> usage("unknown option " + args[i]);
            }
        }
        if (verify && until != null) {
            usage("--verify compares with the live read models, which are as of now; it cannot be combined with --until");
        }
        ProjectorConfig config = ProjectorConfig.load(Path.of(System.getProperty("tollgate.config",
                "config/tollgate.yaml")), System.getenv());
        if (data != null) {
            config = LocalStack.read(data).apply(config);
        }
        System.exit(run(config, source, until, verify, System.out));
    }

    /** Runs a replay as the command does and returns its exit status (0 ok, 1 differences found). */
    public static int run(ProjectorConfig config, Source source, Instant until, boolean verify, PrintStream out)
            throws SQLException {
        Replay replay = new Replay(new Projection(config.wasteWindow()));
        try (HikariDataSource ds = config.database().pool("tollgate-replay")) {
            long total;
            try (Connection c = ds.getConnection(); PreparedStatement q = c.prepareStatement(
                    "SELECT count(*) FROM ledger_event WHERE occurred_at <= ?")) {
                q.setTimestamp(1, java.sql.Timestamp.from(until == null ? Instant.parse("9999-12-31T00:00:00Z") : until));
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    total = rs.getLong(1);
                }
            }
            Progress progress = new Progress(out, total);
            ReadModels replayed = source == Source.KAFKA
                    ? replay.fromKafka(config.kafkaBootstrap(), config.topic(), until, progress)
                    : replay.fromPostgres(ds, until, progress);
            double seconds = progress.seconds();
            ReadModelStore fresh = new ReadModelStore("replay");
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                fresh.createFresh(c);
                fresh.save(c, replayed);
                c.commit();
            }
            out.printf("replayed %,d events from %s in %.2f s: %,.0f events/s; read models written to schema replay%n",
                    progress.done, source.name().toLowerCase(), seconds, progress.done / seconds);
            printBalances(out, replayed, until);
            if (!verify) {
                return 0;
            }
            ReadModels live;
            try (Connection c = ds.getConnection()) {
                live = new ReadModelStore("public").loadAll(c);
            }
            var differences = ReadModels.diff(live, replayed);
            differences.forEach(d -> out.println("DIFFERENCE " + d));
            out.println(differences.isEmpty() ? "verify: OK, live read models equal the replay"
                    : "verify: FAILED, " + differences.size() + " difference(s)");
            return differences.isEmpty() ? 0 : 1;
        }
    }

    private static void printBalances(PrintStream out, ReadModels m, Instant until) {
        out.println("balances" + (until == null ? "" : " as of " + until) + " (account: credits - spent = available):");
        long credits = 0;
        long spent = 0;
        int shown = 0;
        for (var e : new java.util.TreeMap<>(m.balances).entrySet()) {
            Balance b = e.getValue();
            credits += b.creditsMicros();
            spent += b.spentMicros();
            if (shown++ < 20) {
                out.printf("  %s: %s - %s = %s%n", e.getKey(), Micros.toDecimal(b.creditsMicros()),
                        Micros.toDecimal(b.spentMicros()), Micros.toDecimal(b.availableMicros()));
            }
        }
        out.printf("  total over %d account(s): %s - %s = %s%n", m.balances.size(), Micros.toDecimal(credits),
                Micros.toDecimal(spent), Micros.toDecimal(credits - spent));
    }

    private static String arg(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: tollgate replay [--source postgres|kafka] [--until 2026-10-31T23:59:59Z] [--verify] "
                + "[--data DIR]");
        System.exit(2);
    }

}
