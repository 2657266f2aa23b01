package io.tollgate.ledger.events;

import java.util.List;

/** A key was issued. Only its display prefix is recorded; the secret is never in the ledger. */
public record ApiKeyCreated(long keyId, long userId, String name, String prefix, List<String> scopes,
                            String environment, Long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
