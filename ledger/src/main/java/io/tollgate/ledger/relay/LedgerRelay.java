package io.tollgate.ledger.relay;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.tollgate.ledger.events.EnvelopeCodec;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.store.EventStore;

/**
 * The outbox relay: publishes {@code ledger_event} rows to Kafka in seq order, keyed by account, and
 * records how far it got in {@code relay_checkpoint} only after Kafka committed. Kafka being down
 * delays publishing; it never loses an event.
 *
 * <p>Each batch is one Kafka transaction (idempotent producer, {@code acks=all}). A batch that fails
 * part-way is aborted, so {@code read_committed} consumers never see its records, and resent whole:
 * without transactions a later batch could land while an earlier one expired, and the resend would
 * put lower seqs after higher ones. So each partition's committed records are in seq order; a batch
 * committed but not checkpointed (crash in between) comes again as an in-order duplicate that the
 * projector skips by seq. The transactional id also fences a stale relay on another instance.
 *
 * <p>Only the instance holding a Postgres advisory lock publishes, so with several gateways the
 * order still holds.
 */
public final class LedgerRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LedgerRelay.class.getName());
    private static final long RELAY_LOCK = 0x7011_6a7e_0002L;
    private static final String CHECKPOINT = "kafka";

    private final DataSource dataSource;
    private final EventStore store;
    private final EnvelopeCodec envelopes;
    private final String bootstrap;
    private final String topic;
    private final int batch;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long publishedSeq = -1;

    public LedgerRelay(DataSource dataSource, EventStore store, String bootstrap, String topic, int batch) {
        this.dataSource = dataSource;
        this.store = store;
        this.envelopes = new EnvelopeCodec(store.codec());
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.batch = batch;
        this.thread = Thread.ofPlatform().name("ledger-relay").daemon().start(this::run);
    }

    /** The last seq Kafka acknowledged (-1 before the first checkpoint is read). */
    public long publishedSeq() {
        return publishedSeq;
    }

    private void run() {
        long backoffMs = 200;
        while (running) {
            try (Connection lock = dataSource.getConnection()) {
                if (!tryLock(lock)) {
                    sleep(1000);
                    continue;
                }
                KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig());
                try {
                    // Aborts whatever transaction a previous producer with this id left open.
                    producer.initTransactions();
                    publishUntilStopped(producer);
                } finally {
                    try {
                        // The connection goes back to the pool, not away: without this its session would keep
                        // the lock and the next attempt (on another pooled connection) would never get it.
                        unlock(lock);
                    } finally {
                        producer.close(Duration.ofSeconds(5));
                    }
                }
                backoffMs = 200;
            } catch (SQLException | RuntimeException e) {
                if (!running) {
                    break;
                }
                LOG.log(Level.WARNING, "relay paused (" + e.getMessage() + "); retrying in " + backoffMs + " ms");
                sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 5000);
            }
        }
    }

    private void publishUntilStopped(KafkaProducer<String, byte[]> producer) throws SQLException {
        long checkpoint = readCheckpoint();
        publishedSeq = checkpoint;
        while (running) {
            List<RecordedEvent> events = store.readAfter(checkpoint, batch);
            if (events.isEmpty()) {
                sleep(50);
                continue;
            }
            producer.beginTransaction();
            List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
            for (RecordedEvent e : events) {
                acks.add(producer.send(new ProducerRecord<>(topic, e.accountId(), envelopes.encode(e))));
            }
            producer.commitTransaction();  // throws unless every record of the batch is committed
            for (Future<RecordMetadata> ack : acks) {
                try {
                    ack.get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("Kafka did not acknowledge: " + e.getMessage(), e);
                }
            }
            checkpoint = events.getLast().seq();
            writeCheckpoint(checkpoint);
            publishedSeq = checkpoint;
        }
    }

    private Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tollgate-relay-" + topic);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // Kafka down: give up on a batch within seconds and retry it from the checkpoint, rather than block.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static boolean tryLock(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + RELAY_LOCK + ")")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static void unlock(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_unlock(" + RELAY_LOCK + ")");
        } catch (SQLException e) {
            // The session is gone, and its lock with it.
        }
    }

    private long readCheckpoint() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT last_seq FROM relay_checkpoint WHERE name = ?")) {
            q.setString(1, CHECKPOINT);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private void writeCheckpoint(long seq) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement u = c.prepareStatement("INSERT INTO relay_checkpoint (name, last_seq) VALUES (?, ?) "
                     + "ON CONFLICT (name) DO UPDATE SET last_seq = EXCLUDED.last_seq")) {
            u.setString(1, CHECKPOINT);
            u.setLong(2, seq);
            u.executeUpdate();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        // No interrupt: Kafka clients treat it as fatal. The loop sees the flag within its short waits.
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
