package io.tollgate.ledger.events;

/** A callable model with its prices in micro-units per million tokens. */
public record ModelRegistered(long modelId, String modelName, String displayName, long providerId,
                              String upstreamName, long inputMicrosPerMillion, long outputMicrosPerMillion,
                              boolean free, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
