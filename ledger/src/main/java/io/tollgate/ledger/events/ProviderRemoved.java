package io.tollgate.ledger.events;

import java.util.List;

/** A provider was deleted with the models registered on it (seed 004); usage already ledgered keeps their names. */
public record ProviderRemoved(long providerId, String name, List<String> models, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
