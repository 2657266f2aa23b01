package io.tollgate.ledger.events;

import java.util.List;

public record ProviderModelsRefreshed(long providerId, List<String> upstreamModels, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
