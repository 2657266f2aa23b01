package io.tollgate.ledger.events;

/** Seed 002's lifecycle: a model loaded (available to new calls) or unloaded (drained, or cut with force). */
public record ModelAvailabilityChanged(String modelName, boolean available, boolean forced, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
