package io.tollgate.ledger.events;

/** A provider's settings changed; the new values are recorded, the API key only as present or not. */
public record ProviderUpdated(long providerId, String name, String type, String baseUrl, boolean hasApiKey,
                              boolean apiKeyChanged, boolean enabled, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
