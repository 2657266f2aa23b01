package io.tollgate.ledger.events;

import java.time.Instant;
import java.util.UUID;

/** An event as stored: {@code seq} is its position in the ledger's single total order. */
public record RecordedEvent(long seq, UUID eventId, String type, int version, String accountId,
                            Instant occurredAt, LedgerEvent event) {
}
