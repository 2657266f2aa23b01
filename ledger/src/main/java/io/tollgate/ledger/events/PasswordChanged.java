package io.tollgate.ledger.events;

/** A user's login password was set or changed (never the password or its hash). */
public record PasswordChanged(long userId, Long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
