package io.tollgate.ledger.events;

import java.time.Instant;

/** A public model's price from {@code effectiveAt} on (micro-units per million tokens); earlier usage keeps its own. */
public record ModelPriceSet(String modelName, long inputMicrosPerMillion, long outputMicrosPerMillion,
                            Instant effectiveAt, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
