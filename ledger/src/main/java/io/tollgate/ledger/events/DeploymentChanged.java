package io.tollgate.ledger.events;

import java.util.Map;

/** A deployment's settings changed (weight, priority, limits, price, enabled), or it was removed ({@code removed}). */
public record DeploymentChanged(long deploymentId, String modelName, String name, Map<String, String> changes,
                                boolean removed, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
