package io.tollgate.ledger.account;

import java.util.List;

/**
 * What an admitted call holds back until it settles: its worst-case cost and tokens, on the account
 * and on its key and every key above it ({@code family}, nearest first; the first is the caller's key).
 */
public record Reservation(List<Long> family, long costMicros, long tokens) {
    public Reservation {
        family = List.copyOf(family);
        if (family.isEmpty() || costMicros < 0 || tokens < 0) {
            throw new IllegalArgumentException("a reservation needs a key and non-negative amounts");
        }
    }

    public long keyId() {
        return family.get(0);
    }
}
