package io.tollgate.projector;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.tollgate.ledger.events.EnvelopeCodec;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;

/**
 * Consumes the ledger topic in a consumer group and applies each polled batch to the read models in
 * one Postgres transaction together with the Kafka offsets it consumed. Killed at any point, it
 * resumes from the offsets of the last committed batch: nothing is applied twice or missed.
 * Offsets live in Postgres, not in Kafka's group coordinator, for exactly that reason.
 */
public final class LedgerProjector implements Runnable, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LedgerProjector.class.getName());

    private final DataSource dataSource;
    private final EnvelopeCodec envelopes;
    private final Projection projection;
    private final ReadModelStore store = new ReadModelStore("public");
    private final ProjectorConfig config;
    private final KafkaConsumer<String, ByteBuffer> consumer;
    private final Map<TopicPartition, Long> maxSeq = new HashMap<>();
    private volatile long lag;
    private volatile long appliedEvents;
    private volatile boolean running = true;

    public LedgerProjector(DataSource dataSource, EnvelopeCodec envelopes, Projection projection, ProjectorConfig config) {
        this.dataSource = dataSource;
        this.envelopes = envelopes;
        this.projection = projection;
        this.config = config;
        Properties props = consumerConfig(config);
        // Static membership: a projector restarted after a crash takes its partitions back at once,
        // instead of the group waiting out the dead member's session.
        props.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.instanceId());
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        this.consumer = new KafkaConsumer<>(props);
    }

    static Properties consumerConfig(ProjectorConfig config) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Only committed relay batches: an aborted (partly sent) batch is never seen.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        // The record's own buffer: a byte[] value is a copy of it made for every record.
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class.getName());
        return p;
    }

    /** Events published to Kafka but not yet applied, as of the last poll. */
    public long lag() {
        return lag;
    }

    public long appliedEvents() {
        return appliedEvents;
    }

    @Override
    public void run() {
        consumer.subscribe(List.of(config.topic()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                partitions.forEach(maxSeq::remove);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                seekToStoredOffsets(partitions);
            }
        });
        try {
            while (running) {
                ConsumerRecords<String, ByteBuffer> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    apply(records);
                }
                updateLag();
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private void seekToStoredOffsets(Collection<TopicPartition> partitions) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT next_offset, max_seq FROM projector_offset "
                     + "WHERE topic = ? AND partition = ?")) {
            for (TopicPartition tp : partitions) {
                q.setString(1, tp.topic());
                q.setInt(2, tp.partition());
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        consumer.seek(tp, rs.getLong(1));
                        maxSeq.put(tp, rs.getLong(2));
                    } else {
                        consumer.seekToBeginning(List.of(tp));
                        maxSeq.put(tp, 0L);
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read projector offsets", e);
        }
    }

    /** One batch, one transaction: read-model rows and offsets commit together or not at all. */
    private void apply(ConsumerRecords<String, ByteBuffer> records) {
        List<RecordedEvent> events = new ArrayList<>(records.count());
        Map<TopicPartition, long[]> progress = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            long highest = maxSeq.getOrDefault(tp, 0L);
            long nextOffset = -1;
            for (ConsumerRecord<String, ByteBuffer> r : records.records(tp)) {
                RecordedEvent e = envelopes.decode(r.value());
                if (e.seq() > highest) {   // lower or equal: a relay resend, already applied
                    events.add(e);
                    highest = e.seq();
                }
                nextOffset = r.offset() + 1;
            }
            progress.put(tp, new long[] {nextOffset, highest});
        }
        ReadModels touched = new ReadModels();
        events.forEach(e -> projection.apply(touched, e));
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                ReadModels rows = store.loadRowsOf(c, touched);
                events.forEach(e -> projection.apply(rows, e));
                store.save(c, rows);
                saveOffsets(c, progress);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            LOG.log(Level.WARNING, "projection batch failed, will re-read it: " + e.getMessage());
            seekToStoredOffsets(progress.keySet());
            return;
        }
        progress.forEach((tp, p) -> maxSeq.put(tp, p[1]));
        appliedEvents += events.size();
    }

    private static void saveOffsets(Connection c, Map<TopicPartition, long[]> progress) throws SQLException {
        try (PreparedStatement u = c.prepareStatement("INSERT INTO projector_offset (topic, partition, next_offset, "
                + "max_seq) VALUES (?, ?, ?, ?) ON CONFLICT (topic, partition) DO UPDATE SET "
                + "next_offset = EXCLUDED.next_offset, max_seq = EXCLUDED.max_seq")) {
            for (var e : progress.entrySet()) {
                u.setString(1, e.getKey().topic());
                u.setInt(2, e.getKey().partition());
                u.setLong(3, e.getValue()[0]);
                u.setLong(4, e.getValue()[1]);
                u.addBatch();
            }
            u.executeBatch();
        }
    }

    /** From what the last fetches reported; never blocks the loop on a metadata round trip. */
    private void updateLag() {
        long total = 0;
        for (TopicPartition tp : consumer.assignment()) {
            total += consumer.currentLag(tp).orElse(0);
        }
        lag = total;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
    }
}
