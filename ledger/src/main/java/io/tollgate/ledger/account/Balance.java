package io.tollgate.ledger.account;

/**
 * An account's lifetime money (the rm_balance row): credits added, usage spent, calls made.
 * Invariant: {@code available = credits - spent}; spent is the sum of every usage cost of the account.
 */
public record Balance(long creditsMicros, long spentMicros, long requests) {
    public static final Balance ZERO = new Balance(0, 0, 0);

    public Balance plus(Balance o) {
        return new Balance(Math.addExact(creditsMicros, o.creditsMicros), Math.addExact(spentMicros, o.spentMicros),
                Math.addExact(requests, o.requests));
    }

    public long availableMicros() {
        return Math.subtractExact(creditsMicros, spentMicros);
    }
}
