package io.tollgate.ledger.events;

/**
 * A deployment now serves a public model. Prices are micro-units per million tokens, null when the
 * deployment has no price of its own (the model's, the catalog's, or unpriced).
 */
public record DeploymentAdded(long deploymentId, String modelName, String name, long providerId, String upstreamName,
                              Long inputMicrosPerMillion, Long outputMicrosPerMillion, int weight, int priority,
                              Long rpmLimit, Long tpmLimit, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
