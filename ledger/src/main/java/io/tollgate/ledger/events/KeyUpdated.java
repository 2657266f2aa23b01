package io.tollgate.ledger.events;

import java.util.Map;

/** Settings of a key changed; {@code changes} maps each changed field to its new value as text ("" = cleared). */
public record KeyUpdated(long keyId, long userId, Map<String, String> changes, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
