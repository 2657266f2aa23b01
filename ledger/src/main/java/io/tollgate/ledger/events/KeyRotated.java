package io.tollgate.ledger.events;

/** A key got a new secret; the old one keeps working for {@code graceSeconds}, then never again. */
public record KeyRotated(long keyId, long userId, String newPrefix, long graceSeconds, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
