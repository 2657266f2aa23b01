package io.tollgate.ledger.events;

import java.time.Instant;
import java.util.UUID;

/** An event about to be appended: its identity and time are fixed by the writer, before any retry. */
public record NewEvent(UUID eventId, Instant occurredAt, LedgerEvent event) {
    public static NewEvent of(LedgerEvent event) {
        return new NewEvent(UUID.randomUUID(), Instant.now(), event);
    }
}
