package io.tollgate.ledger.events;

import java.time.Instant;

/**
 * A user's email failed {@code failures} password logins in a row and is locked until {@code until}.
 * Only for an email that belongs to a user: one typed at random names no account, and the ledger
 * keeps no stranger's address forever.
 */
public record LoginLockedOut(long userId, int failures, Instant until) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
