package io.tollgate.ledger.events;

/** A user's own key for a provider was removed: their calls use the organisation's key again. */
public record ProviderKeyRemoved(long userId, long providerId, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
