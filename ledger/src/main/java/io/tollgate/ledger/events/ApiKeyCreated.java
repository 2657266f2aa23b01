package io.tollgate.ledger.events;

import java.util.List;

/**
 * A key was issued. Only its display prefix is recorded; the secret is never in the ledger.
 * {@code kind}, {@code monthlyBudgetMicros} and {@code parentKeyId} (the key it was created from, whose
 * limits bound it) were added later: old payloads read as null.
 */
public record ApiKeyCreated(long keyId, long userId, String name, String prefix, List<String> scopes,
                            String environment, Long actorUserId, String kind, Long monthlyBudgetMicros,
                            Long parentKeyId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
