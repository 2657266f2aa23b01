package io.tollgate.gateway.controls;

import java.util.Map;
import java.util.concurrent.Semaphore;

import io.tollgate.gateway.http.ApiError;

/**
 * Bounds the proxied calls in flight. Past the bound a call is refused at once with 503 and
 * Retry-After, before any reservation or upstream call (so nothing is ledgered): under overload the
 * gateway keeps serving the calls it took instead of queueing every caller until their clients time
 * out. The bound counts calls waiting on slow upstreams too, so it is set generously.
 */
public final class InFlight {
    /** One admitted call; closing it frees its place. */
    public interface Place extends AutoCloseable {
        @Override
        void close();
    }

    private final Semaphore places;
    private final int limit;

    public InFlight(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the in-flight bound must be at least 1, not " + limit);
        }
        this.places = new Semaphore(limit);
        this.limit = limit;
    }

    public Place enter() {
        if (!places.tryAcquire()) {
            throw new ApiError(503, "server_error", "overloaded", "Tollgate is serving its limit of " + limit
                    + " concurrent calls; retry shortly", Map.of("Retry-After", "1"));
        }
        return places::release;
    }
}
