package io.tollgate.ledger.events;

import java.util.List;

/** How a public model picks among its deployments, and which models serve when they all fail. */
public record ModelRoutingSet(String modelName, String strategy, List<String> fallbacks, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
