package io.tollgate.ledger.events;

public record KeyRevoked(long keyId, long userId, String reason, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
