package io.tollgate.ledger.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.NewEvent;

/**
 * Where events go when Postgres cannot take them: one fsync'd file per batch, moved into
 * {@code ledger_event} when the database is back (or on the next start). Draining is idempotent
 * because appends skip event ids already in the ledger, so a crash mid-drain re-drains safely.
 *
 * <p>This closes the window between Postgres failing and the gateway noticing: a request already
 * past its pre-flight check still gets its event made durable before its reply completes.
 */
public final class LedgerSpool {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Path dir;
    private final EventCodec codec;

    public LedgerSpool(Path dir, EventCodec codec) {
        this.dir = dir;
        this.codec = codec;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create ledger spool " + dir, e);
        }
    }

    /** Writes a batch durably (fsync of file and directory) before returning. */
    public void spill(List<NewEvent> events) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (NewEvent e : events) {
            ObjectNode line = MAPPER.createObjectNode()
                    .put("event_id", e.eventId().toString())
                    .put("type", EventCodec.typeOf(e.event()))
                    .put("occurred_at", e.occurredAt().toString());
            line.set("payload", MAPPER.readTree(codec.encode(e.event())));
            lines.append(line).append('\n');
        }
        Path tmp = dir.resolve("batch-" + System.nanoTime() + "-" + UUID.randomUUID() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, dir.resolve(tmp.getFileName().toString().replace(".tmp", ".jsonl")));
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    public boolean isEmpty() {
        return files().isEmpty();
    }

    /** Appends every spooled batch to the store, oldest first, deleting each once committed. */
    public int drain(EventStore store) throws SQLException, IOException {
        int drained = 0;
        for (Path file : files()) {
            List<NewEvent> events = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = MAPPER.readTree(line);
                String type = n.get("type").asText();
                events.add(new NewEvent(UUID.fromString(n.get("event_id").asText()),
                        Instant.parse(n.get("occurred_at").asText()),
                        codec.decode(type, EventCodec.versionOf(type), n.get("payload").toString())));
            }
            store.append(events);
            Files.delete(file);
            drained += events.size();
        }
        return drained;
    }

    private List<Path> files() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
