package io.tollgate.projector;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import com.zaxxer.hikari.HikariDataSource;

import io.tollgate.ledger.events.EnvelopeCodec;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.money.Micros;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.account.Balance;
import io.tollgate.ledger.store.HashChain;
import io.tollgate.ledger.store.PostgresSettings;

/**
 * {@code tollgate replay [--source postgres|kafka] [--until TIMESTAMP] [--verify] [--data DIR]}:
 * rebuilds every read model from event 0 with the same {@link Projection} the live projector runs,
 * into fresh tables in schema {@code replay}. {@code --until} stops at a moment ("balances as of");
 * {@code --verify} compares with the live read models, checks the ledger's hash chain, and exits 1 on any
 * difference or break.
 */
public final class Replay {
    public enum Source { POSTGRES, KAFKA }

    /** Prints a progress line at most once a second; shards report into it concurrently. */
    public static final class Progress {
        private final PrintStream out;
        private final long total;
        private final long started = System.nanoTime();
        private final AtomicLong done = new AtomicLong();
        private final AtomicLong lastPrint = new AtomicLong(started);

        public Progress(PrintStream out, long total) {
            this.out = out;
            this.total = total;
        }

        void add(long events) {
            long now = done.addAndGet(events);
            long last = lastPrint.get();
            if (System.nanoTime() - last > 1_000_000_000L && lastPrint.compareAndSet(last, System.nanoTime())) {
                double rate = now / seconds();
                long eta = rate > 0 ? (long) ((total - now) / rate) : 0;
                out.printf("replayed %,d of %,d events, %,.0f events/s, ETA %d s%n", now, total, rate, eta);
            }
        }

        public long done() {
            return done.get();
        }

        public double seconds() {
            return Math.max(1e-9, (System.nanoTime() - started) / 1e9);
        }
    }

    /** Events are reported to {@link Progress} in steps of this many, not one by one. */
    private static final int STEP = 4096;
    private static final long PRUNE_EVERY = 250_000;
    private static final Instant END_OF_TIME = Instant.parse("9999-12-31T00:00:00Z");

    /**
     * Where the one-row-per-event models (usage events, audit) go while replaying. They grow with the
     * ledger, so a replay of a long ledger writes them out as it goes instead of holding them.
     */
    public interface EventRows {
        /** Keeps them in the returned read models (for comparisons in memory; fine for small ledgers). */
        EventRows KEEP = state -> { };

        /** Takes the event rows {@code state} holds now; called from several shard threads at once. */
        void drain(ReadModels state) throws SQLException;

        /** Writes them into {@code store}'s tables and drops them from memory. */
        static EventRows writeTo(DataSource ds, ReadModelStore store) {
            return state -> {
                try (Connection c = ds.getConnection()) {
                    store.saveEventRows(c, state);
                }
                state.usage.clear();
                state.audit.clear();
            };
        }
    }

    /** Event rows are drained once a shard holds this many. */
    private static final int DRAIN_AT = 20_000;

    private final Projection projection;
    private final int shards;
    private final EventRows eventRows;

    /** @param shards how many threads project at once, each the events of its own accounts */
    public Replay(Projection projection, int shards, EventRows eventRows) {
        this.projection = projection;
        this.shards = shards;
        this.eventRows = eventRows;
    }

    /** One shard per core, at least two. */
    public static int defaultShards() {
        return Math.max(2, Runtime.getRuntime().availableProcessors());
    }

    /** Keeps every row in memory, one shard per core: for comparisons in tests, drills and the bench. */
    public Replay(Projection projection) {
        this(projection, defaultShards(), EventRows.KEEP);
    }

    /**
     * All events up to {@code until} (null: all), straight from {@code ledger_event}. Each shard reads
     * the events of its share of the accounts in seq order over its own connection, so one account's
     * events are projected in order while the shards (and their Postgres backends) run in parallel.
     * {@code ds} must allow one connection per shard at once (two with {@link EventRows#writeTo}).
     */
    public ReadModels fromPostgres(DataSource ds, Instant until, Progress progress) throws SQLException {
        return sharded(shard -> {
            EventCodec codec = new EventCodec();
            ReadModels state = new ReadModels();
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);  // lets the driver stream with a cursor instead of loading everything
                try (PreparedStatement q = c.prepareStatement("SELECT seq, event_id, type, version, account_id, "
                        + "occurred_at, payload::text FROM ledger_event WHERE occurred_at <= ? "
                        + "AND (hashtext(account_id) & 2147483647) % ? = ? ORDER BY seq")) {
                    q.setFetchSize(10_000);
                    q.setTimestamp(1, java.sql.Timestamp.from(until == null ? END_OF_TIME : until));
                    q.setInt(2, shards);
                    q.setInt(3, shard);
                    try (ResultSet rs = q.executeQuery()) {
                        long n = 0;
                        while (rs.next()) {
                            String type = rs.getString(3);
                            int version = rs.getInt(4);
                            projection.apply(state, new RecordedEvent(rs.getLong(1), rs.getObject(2, UUID.class), type,
                                    version, rs.getString(5), rs.getTimestamp(6).toInstant(),
                                    codec.decode(type, version, rs.getString(7))));
                            if (++n % STEP == 0) {
                                projected(state, progress, n - STEP, n);
                            }
                        }
                        progress.add(n % STEP);
                        eventRows.drain(state);
                    }
                }
                c.commit();
            }
            return state;
        });
    }

    /**
     * All events from Kafka offset 0 of every partition. Events are keyed by account, so a partition
     * holds whole accounts in seq order: each shard consumes its own partitions and drops relay resends
     * (a seq not above the partition's highest so far).
     */
    public ReadModels fromKafka(String bootstrap, String topic, Instant until, Progress progress) throws SQLException {
        Properties p = LedgerProjector.consumerConfig(new ProjectorConfig(null, bootstrap, topic,
                "tollgate-replay-" + UUID.randomUUID(), "replay", Duration.ZERO, 0));
        int partitionCount;
        try (KafkaConsumer<String, ByteBuffer> consumer = new KafkaConsumer<>(p)) {
            partitionCount = consumer.partitionsFor(topic, Duration.ofSeconds(30)).size();
        }
        return sharded(shard -> {
            EnvelopeCodec envelopes = new EnvelopeCodec(new EventCodec());
            ReadModels state = new ReadModels();
            List<TopicPartition> mine = new ArrayList<>();
            for (int i = shard; i < partitionCount; i += shards) {
                mine.add(new TopicPartition(topic, i));
            }
            if (mine.isEmpty()) {
                return state;
            }
            try (KafkaConsumer<String, ByteBuffer> consumer = new KafkaConsumer<>(p)) {
                consumer.assign(mine);
                consumer.seekToBeginning(mine);
                // With read_committed, endOffsets is the last stable offset. Judge progress by position, which
                // also moves past transaction markers and aborted records that are never returned as records.
                Map<TopicPartition, Long> end = consumer.endOffsets(mine);
                Map<TopicPartition, Long> highest = new HashMap<>();
                long total = 0;
                while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                    ConsumerRecords<String, ByteBuffer> records = consumer.poll(Duration.ofMillis(500));
                    int applied = 0;
                    for (TopicPartition tp : records.partitions()) {
                        long last = highest.getOrDefault(tp, 0L);
                        for (ConsumerRecord<String, ByteBuffer> r : records.records(tp)) {
                            RecordedEvent e = envelopes.decode(r.value());
                            if (e.seq() > last && (until == null || !e.occurredAt().isAfter(until))) {
                                last = e.seq();
                                projection.apply(state, e);
                                applied++;
                            }
                        }
                        highest.put(tp, last);
                    }
                    projected(state, progress, total, total += applied);
                }
                eventRows.drain(state);
            }
            return state;
        });
    }

    /**
     * Book-keeping after a shard projected events {@code before} to {@code after}: progress, dropping
     * expired rate windows every {@code PRUNE_EVERY} events so the map stays small (safe because the
     * newest window only moves forward: what is expired now is expired at the end), and draining the
     * event rows once there are {@code DRAIN_AT} of them.
     */
    private void projected(ReadModels state, Progress progress, long before, long after) throws SQLException {
        progress.add(after - before);
        if (before / PRUNE_EVERY != after / PRUNE_EVERY) {
            Projection.dropExpiredWindows(state);
        }
        if (state.usage.size() + state.audit.size() >= DRAIN_AT) {
            eventRows.drain(state);
        }
    }

    private interface Shard {
        ReadModels project(int shard) throws SQLException;
    }

    /** Runs every shard on its own thread and sums their read models (shards hold disjoint accounts). */
    private ReadModels sharded(Shard task) throws SQLException {
        ExecutorService pool = Executors.newFixedThreadPool(shards, Thread.ofPlatform().name("replay-shard-", 0)
                .daemon().factory());
        try {
            List<Future<ReadModels>> running = new ArrayList<>();
            for (int i = 0; i < shards; i++) {
                int shard = i;
                running.add(pool.submit(() -> task.project(shard)));
            }
            ReadModels total = new ReadModels();
            for (Future<ReadModels> f : running) {
                total.add(f.get());
            }
            return Projection.dropExpiredWindows(total);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("replay interrupted", e);
        } finally {
            pool.shutdownNow();
        }
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
        ReadModelStore fresh = ReadModelStore.freshForReplay("replay");
        int shards = defaultShards();
        // Each shard reads over one connection and writes its event rows over another.
        PostgresSettings db = config.database().withPool(Math.max(config.database().pool(), 2 * shards + 1));
        try (HikariDataSource ds = db.pool("tollgate-replay")) {
            List<String> deferredIndexes;
            try (Connection c = ds.getConnection()) {
                fresh.createFresh(c);
                deferredIndexes = fresh.deferIndexes(c);
            }
            Replay replay = new Replay(new Projection(config.wasteWindow()), shards, EventRows.writeTo(ds, fresh));
            long total;
            try (Connection c = ds.getConnection(); PreparedStatement q = c.prepareStatement(
                    "SELECT count(*) FROM ledger_event WHERE occurred_at <= ?")) {
                q.setTimestamp(1, java.sql.Timestamp.from(until == null ? END_OF_TIME : until));
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
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                fresh.save(c, replayed);
                fresh.buildIndexes(c, deferredIndexes);
                c.commit();
            }
            out.printf("replayed %,d events from %s in %.2f s: %,.0f events/s; read models written to schema replay%n",
                    progress.done(), source.name().toLowerCase(), seconds, progress.done() / seconds);
            printBalances(out, replayed, until);
            if (!verify) {
                return 0;
            }
            List<ReadModels.Difference> differences;
            try (Connection c = ds.getConnection()) {
                ReadModelStore live = new ReadModelStore("public");
                differences = new ArrayList<>(ReadModels.diff(live.loadAggregates(c), replayed));
                differences.addAll(live.eventRowDifferences(c, fresh));
            }
            differences.forEach(d -> out.println("DIFFERENCE " + d));
            HashChain.Result chain;
            try (Connection c = ds.getConnection()) {
                chain = HashChain.verify(c);
            }
            out.println(chain.intact()
                    ? "hash chain: OK, " + chain.checked() + " events, head " + chain.headHex()
                    : "hash chain: BROKEN at seq " + chain.firstBrokenSeq() + " (" + chain.checked()
                            + " events before it agree): that event or the one before it was altered, added or removed");
            out.println(differences.isEmpty() && chain.intact() ? "verify: OK, live read models equal the replay"
                    : "verify: FAILED, " + differences.size() + " difference(s)" + (chain.intact() ? "" : ", hash chain broken"));
            return differences.isEmpty() && chain.intact() ? 0 : 1;
        }
    }

    private static void printBalances(PrintStream out, ReadModels m, Instant until) {
        out.println("balances" + (until == null ? "" : " as of " + until) + " (account: credits - spent = available):");
        long credits = 0;
        long spent = 0;
        int shown = 0;
        for (var e : new java.util.TreeMap<>(m.balances).entrySet()) {
            Balance b = e.getValue();
            credits = Math.addExact(credits, b.creditsMicros());
            spent = Math.addExact(spent, b.spentMicros());
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
