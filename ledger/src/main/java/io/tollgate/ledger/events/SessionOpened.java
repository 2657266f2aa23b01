package io.tollgate.ledger.events;

/** A user signed in to the management plane ({@code method}: password, token or register). */
public record SessionOpened(long userId, String method) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
