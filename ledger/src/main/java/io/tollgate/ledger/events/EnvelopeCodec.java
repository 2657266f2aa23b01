package io.tollgate.ledger.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
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
        return decode(ByteBuffer.wrap(bytes));
    }

    /**
     * Reads the envelope in {@code bytes}' remaining bytes in one streaming pass; the payload, written
     * after its type, is decoded in place.
     */
    public RecordedEvent decode(ByteBuffer bytes) {
        try (JsonParser p = bytes.hasArray()
                ? MAPPER.createParser(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining())
                : MAPPER.createParser(copy(bytes))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            long seq = 0;
            UUID eventId = null;
            String type = null;
            int version = 0;
            String accountId = null;
            Instant occurredAt = null;
            LedgerEvent event = null;
            String payloadBeforeType = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "seq" -> seq = p.getLongValue();
                    case "event_id" -> eventId = UUID.fromString(p.getText());
                    case "type" -> type = p.getText();
                    case "version" -> version = p.getIntValue();
                    case "account_id" -> accountId = p.getText();
                    case "occurred_at" -> occurredAt = Instants.parse(p.getText());
                    case "payload" -> {
                        if (type != null && version != 0) {
                            event = codec.decode(type, version, p);
                        } else {
                            payloadBeforeType = MAPPER.readTree(p).toString();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (event == null && payloadBeforeType != null) {
                event = codec.decode(type, version, payloadBeforeType);
            }
            return new RecordedEvent(seq, Objects.requireNonNull(eventId, "event_id"), Objects.requireNonNull(type, "type"),
                    version, Objects.requireNonNull(accountId, "account_id"),
                    Objects.requireNonNull(occurredAt, "occurred_at"), Objects.requireNonNull(event, "payload"));
        } catch (IOException | RuntimeException x) {
            throw new IllegalArgumentException("unreadable ledger envelope", x);
        }
    }

    private static byte[] copy(ByteBuffer direct) {
        byte[] out = new byte[direct.remaining()];
        direct.duplicate().get(out);
        return out;
    }
}
