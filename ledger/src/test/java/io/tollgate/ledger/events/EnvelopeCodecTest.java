package io.tollgate.ledger.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class EnvelopeCodecTest {
    private final EnvelopeCodec envelopes = new EnvelopeCodec(new EventCodec());

    private static RecordedEvent recorded(long seq, LedgerEvent e) {
        String type = EventCodec.typeOf(e);
        return new RecordedEvent(seq, UUID.randomUUID(), type, EventCodec.versionOf(type), e.accountId(),
                Instant.parse("2026-11-25T10:15:30.123456Z"), e);
    }

    @Test
    void everyEventTypeSurvivesAnEnvelopeRoundTrip() {
        long seq = 0;
        for (LedgerEvent e : EventCodecTest.oneOfEach()) {
            RecordedEvent r = recorded(++seq, e);
            assertEquals(r, envelopes.decode(envelopes.encode(r)));
        }
    }

    @Test
    void aPayloadWrittenBeforeItsTypeIsStillRead() {
        RecordedEvent r = recorded(5, new KeyRevoked(9, 7, "leaked", 1));
        String json = "{\"payload\":" + new EventCodec().encode(r.event()) + ",\"seq\":5,\"event_id\":\"" + r.eventId()
                + "\",\"type\":\"KeyRevoked\",\"version\":1,\"occurred_at\":\"" + r.occurredAt()
                + "\",\"account_id\":\"7\",\"added_later\":{\"x\":[1]}}";
        assertEquals(r, envelopes.decode(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void onlyTheBuffersRemainingBytesAreRead() {
        RecordedEvent r = recorded(6, new KeyRevoked(9, 7, "leaked", 1));
        byte[] envelope = envelopes.encode(r);
        // As Kafka hands a record out: a window on a larger array, with other bytes either side.
        byte[] around = new byte[envelope.length + 20];
        Arrays.fill(around, (byte) '}');
        System.arraycopy(envelope, 0, around, 10, envelope.length);
        assertEquals(r, envelopes.decode(ByteBuffer.wrap(around, 10, envelope.length).slice()));
        assertEquals(r, envelopes.decode(ByteBuffer.wrap(around, 10, envelope.length)));
        ByteBuffer direct = ByteBuffer.allocateDirect(envelope.length).put(envelope).flip();
        assertEquals(r, envelopes.decode(direct));
        assertEquals(envelope.length, direct.remaining(), "decoding leaves the buffer as it was");
    }

    @Test
    void anEnvelopeWithoutAPayloadOrWithGarbageIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> envelopes.decode(
                "{\"seq\":1,\"event_id\":\"00000000-0000-0000-0000-000000000001\",\"type\":\"KeyRevoked\",\"version\":1,\"occurred_at\":\"2026-11-25T00:00:00Z\",\"account_id\":\"7\"}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> envelopes.decode("[1,2]".getBytes(StandardCharsets.UTF_8)));
        assertThrows(IllegalArgumentException.class, () -> envelopes.decode("{\"seq\":".getBytes(StandardCharsets.UTF_8)));
    }
}
