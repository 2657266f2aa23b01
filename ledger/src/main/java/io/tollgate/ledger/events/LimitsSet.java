package io.tollgate.ledger.events;

import java.util.Map;

/**
 * Rate limits of a key or a user were set. {@code limits} maps e.g. {@code requests_per_minute} to its
 * value; an absent name means no limit. {@code userId} is the account (the key's owner for a key).
 */
public record LimitsSet(String subject, long subjectId, long userId, Map<String, Long> limits, long actorUserId)
        implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
