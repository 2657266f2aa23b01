package io.tollgate.ledger.account;

import java.time.Instant;

/**
 * Rate-window sizes, each with how long its windows are kept: counted back from the newest minute
 * window, so the same events always leave the same windows (live and replay agree). Day windows are
 * kept. The one definition of windows: admission, the projection and replay all use it.
 */
public enum Granularity {
    MINUTE(60, 2 * 86_400L), HOUR(3600, 31 * 86_400L), DAY(86_400, Long.MAX_VALUE);

    private final long seconds;
    private final long retentionSeconds;

    Granularity(long seconds, long retentionSeconds) {
        this.seconds = seconds;
        this.retentionSeconds = retentionSeconds;
    }

    public long retentionSeconds() {
        return retentionSeconds;
    }

    /** The UTC window containing {@code t} (integer arithmetic: replay runs this millions of times). */
    public Instant windowStart(Instant t) {
        return Instant.ofEpochSecond(windowStart(t.getEpochSecond()));
    }

    /** The start of the UTC window containing epoch second {@code s}, in epoch seconds. */
    public long windowStart(long s) {
        return s - Math.floorMod(s, seconds);
    }

    /** When the window containing {@code t} ends: when its counts start again from zero. */
    public Instant windowEnd(Instant t) {
        return Instant.ofEpochSecond(windowStart(t.getEpochSecond()) + seconds);
    }

    /** The start of the oldest window kept, given the newest minute window's start; earlier ones are dropped. */
    public long oldestKept(long newestMinute) {
        return retentionSeconds == Long.MAX_VALUE ? Long.MIN_VALUE : newestMinute - retentionSeconds;
    }
}
