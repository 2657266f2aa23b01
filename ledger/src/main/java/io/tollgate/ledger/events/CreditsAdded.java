package io.tollgate.ledger.events;

/** Prepaid credit added to an account; {@code idempotencyKey} makes a retried top-up a no-op. */
public record CreditsAdded(long userId, long amountMicros, String reason, String idempotencyKey, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
