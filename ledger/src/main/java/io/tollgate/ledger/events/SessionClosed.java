package io.tollgate.ledger.events;

/** A user logged out of the management plane. */
public record SessionClosed(long userId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
