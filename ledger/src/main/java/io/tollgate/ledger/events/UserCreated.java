package io.tollgate.ledger.events;

public record UserCreated(long userId, String email, String name, String role, Long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
