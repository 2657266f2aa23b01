package io.tollgate.ledger.account;

import java.time.Instant;

/**
 * Requests and tokens of one key or user in the minute, hour and day windows (see {@link Granularity})
 * of its latest usage: what rate limits are checked against. A value: adding returns a new one.
 */
public record Windows(Window minute, Window hour, Window day) {
    /** One window: its start (epoch seconds) and what was counted in it. */
    public record Window(long start, long requests, long tokens) {
        static final Window NONE = new Window(Long.MIN_VALUE, 0, 0);
    }

    public static final Windows NONE = new Windows(Window.NONE, Window.NONE, Window.NONE);

    public Window get(Granularity g) {
        return switch (g) {
            case MINUTE -> minute;
            case HOUR -> hour;
            case DAY -> day;
        };
    }

    /** Counts usage at {@code at} in the windows containing it; usage in a window already past is dropped. */
    public Windows add(Instant at, long requests, long tokens) {
        long s = at.getEpochSecond();
        return new Windows(add(minute, Granularity.MINUTE.windowStart(s), requests, tokens),
                add(hour, Granularity.HOUR.windowStart(s), requests, tokens),
                add(day, Granularity.DAY.windowStart(s), requests, tokens));
    }

    private static Window add(Window w, long start, long requests, long tokens) {
        if (start > w.start()) {
            return new Window(start, requests, tokens);
        }
        if (start == w.start()) {
            return new Window(start, Math.addExact(w.requests(), requests), Math.addExact(w.tokens(), tokens));
        }
        return w;
    }

    /** Requests counted in the window of granularity {@code g} containing {@code now}. */
    public long requests(Granularity g, Instant now) {
        Window w = get(g);
        return w.start() == g.windowStart(now.getEpochSecond()) ? w.requests() : 0;
    }

    public long tokens(Granularity g, Instant now) {
        Window w = get(g);
        return w.start() == g.windowStart(now.getEpochSecond()) ? w.tokens() : 0;
    }
}
