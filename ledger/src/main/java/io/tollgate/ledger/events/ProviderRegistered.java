package io.tollgate.ledger.events;

/** A provider was added. Whether it has an API key is recorded; the key itself never is. */
public record ProviderRegistered(long providerId, String name, String type, String baseUrl, boolean hasApiKey,
                                 boolean enabled, long actorUserId) implements LedgerEvent {
    /** Platform configuration belongs to the operator's account, the admin who made it. */
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
