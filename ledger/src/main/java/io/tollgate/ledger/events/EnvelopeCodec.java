package io.tollgate.ledger.events;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A recorded event with its ledger position, as JSON: the Kafka message value and the shape of the
 * ledger export ({@code seq, event_id, type, version, occurred_at, account_id, payload}).
 */
public final class EnvelopeCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final EventCodec codec;

    public EnvelopeCodec(EventCodec codec) {
        this.codec = codec;
    }

    public byte[] encode(RecordedEvent e) {
        try {
            ObjectNode n = MAPPER.createObjectNode()
                    .put("seq", e.seq())
                    .put("event_id", e.eventId().toString())
                    .put("type", e.type())
                    .put("version", e.version())
                    .put("occurred_at", e.occurredAt().toString())
                    .put("account_id", e.accountId());
            n.set("payload", MAPPER.readTree(codec.encode(e.event())));
            return MAPPER.writeValueAsBytes(n);
        } catch (IOException x) {
            throw new IllegalStateException(x);
        }
    }

    public RecordedEvent decode(byte[] bytes) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            String type = n.get("type").asText();
            int version = n.get("version").asInt();
            return new RecordedEvent(n.get("seq").asLong(), UUID.fromString(n.get("event_id").asText()), type, version,
                    n.get("account_id").asText(), Instant.parse(n.get("occurred_at").asText()),
                    codec.decode(type, version, n.get("payload").toString()));
        } catch (IOException | RuntimeException x) {
            throw new IllegalArgumentException("unreadable ledger envelope", x);
        }
    }
}
