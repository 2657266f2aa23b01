package io.tollgate.ledger.events;

/** A user stored their own key for a provider (never the key itself). */
public record ProviderKeySet(long userId, long providerId, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
