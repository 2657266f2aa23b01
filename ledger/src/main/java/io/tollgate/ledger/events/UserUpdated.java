package io.tollgate.ledger.events;

import java.util.Map;

/** An administrator changed a user; {@code changes} maps each changed field (name, role, disabled) to its new value. */
public record UserUpdated(long userId, Map<String, String> changes, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
