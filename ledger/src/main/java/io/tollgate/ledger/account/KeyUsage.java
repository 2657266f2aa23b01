package io.tollgate.ledger.account;

/**
 * What one key has used: its requests and spend over its lifetime and this month, counting the keys
 * made from it (a family shares its limits), what calls in flight hold back, and its own rate windows.
 */
public record KeyUsage(long requests, long spentMicros, long monthSpentMicros, long reservedMicros,
                       long reservedRequests, Windows windows) {
    public static final KeyUsage NONE = new KeyUsage(0, 0, 0, 0, 0, Windows.NONE);
}
