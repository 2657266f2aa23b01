package io.tollgate.ledger.events;

/** A user moved to a plan ({@code previousPlanId} null when it had none). */
public record PlanAssigned(long userId, String planId, String previousPlanId, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
