package io.tollgate.gateway.controls;

import java.time.Instant;

import io.tollgate.ledger.projection.Rows.Granularity;

/** Requests and tokens of one key or user in its current UTC minute, hour and day (the projector's windows). */
final class Windows {
    private static final Granularity[] ALL = Granularity.values();
    private final Instant[] start = new Instant[ALL.length];
    private final long[] requests = new long[ALL.length];
    private final long[] tokens = new long[ALL.length];

    Windows(Instant now, long[] requests, long[] tokens) {
        for (int i = 0; i < ALL.length; i++) {
            start[i] = ALL[i].windowStart(now);
            this.requests[i] = requests[i];
            this.tokens[i] = tokens[i];
        }
    }

    static Windows empty(Instant now) {
        return new Windows(now, new long[ALL.length], new long[ALL.length]);
    }

    /** Counts usage at {@code at} in the windows containing it; usage in a window already past is dropped. */
    void add(Instant at, long addRequests, long addTokens) {
        for (int i = 0; i < ALL.length; i++) {
            Instant s = ALL[i].windowStart(at);
            if (s.isAfter(start[i])) {
                start[i] = s;
                requests[i] = 0;
                tokens[i] = 0;
            }
            if (s.equals(start[i])) {
                requests[i] += addRequests;
                tokens[i] += addTokens;
            }
        }
    }

    long requests(Granularity g, Instant now) {
        return current(g, now) ? requests[g.ordinal()] : 0;
    }

    long tokens(Granularity g, Instant now) {
        return current(g, now) ? tokens[g.ordinal()] : 0;
    }

    private boolean current(Granularity g, Instant now) {
        return g.windowStart(now).equals(start[g.ordinal()]);
    }

    static Instant end(Granularity g, Instant now) {
        return switch (g) {
            case MINUTE -> g.windowStart(now).plusSeconds(60);
            case HOUR -> g.windowStart(now).plusSeconds(3600);
            case DAY -> g.windowStart(now).plusSeconds(86_400);
        };
    }
}
