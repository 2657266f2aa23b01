package io.tollgate.ledger.account;

import java.time.YearMonth;
import java.util.Map;

/**
 * One account's money and usage as its events left it, plus what calls in flight hold back: the
 * state {@link Account#decide} answers from. A value; the kernel's functions return new ones.
 *
 * @param balance   lifetime credits, spend and calls (the rm_balance row)
 * @param month     the UTC month the month figures count (the latest month seen)
 * @param keys      each key's usage; a key's lifetime and month figures include the keys made from it
 * @param parents   child key → the key it was created from
 */
public record AccountState(Balance balance, YearMonth month, long monthSpentMicros, long monthTokens,
                           long reservedMicros, long reservedTokens, Windows windows, Map<Long, KeyUsage> keys,
                           Map<Long, Long> parents) {
    /** An account before its first event. */
    public static final AccountState EMPTY = new AccountState(Balance.ZERO, YearMonth.of(1970, 1), 0, 0, 0, 0,
            Windows.NONE, Map.of(), Map.of());

    public AccountState {
        keys = Map.copyOf(keys);
        parents = Map.copyOf(parents);
    }

    public KeyUsage key(long keyId) {
        return keys.getOrDefault(keyId, KeyUsage.NONE);
    }

    /** Credits less spend less what calls in flight hold back. */
    public long availableMicros() {
        return Math.subtractExact(balance.availableMicros(), reservedMicros);
    }
}
