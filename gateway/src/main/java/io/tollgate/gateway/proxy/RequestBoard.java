package io.tollgate.gateway.proxy;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Seed 002's request status and cancel: the calls this instance is serving, and the outcome of the
 * last {@link #RECENT} it finished. Cancelling closes the upstream connection, which ends the relay
 * the way an upstream failure would; the call is still ledgered with what was generated.
 */
public final class RequestBoard {
    static final int RECENT = 1_000;

    /** What a status reply says about one request. */
    public record Status(String requestId, long userId, String model, boolean stream, String state, Instant startedAt,
                         Long latencyMs, Integer upstreamStatus, Long promptTokens, Long completionTokens,
                         Long costMicros) {
    }

    /** A call in flight; {@code call} is set once the upstream answered. */
    static final class Running {
        final String requestId;
        final long userId;
        final String model;
        final boolean stream;
        final Instant startedAt = Instant.now();
        private UpstreamClient.Call call;
        private boolean cancelled;

        Running(String requestId, long userId, String model, boolean stream) {
            this.requestId = requestId;
            this.userId = userId;
            this.model = model;
            this.stream = stream;
        }

        synchronized void attach(UpstreamClient.Call c) {
            call = c;
            if (cancelled) {
                c.cancel();
            }
        }

        synchronized void cancel() {
            cancelled = true;
            if (call != null) {
                call.cancel();
            }
        }

        synchronized boolean cancelled() {
            return cancelled;
        }
    }

    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Map<String, Status> recent = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Status> eldest) {
            return size() > RECENT;
        }
    });

    Running start(String requestId, long userId, String model, boolean stream) {
        Running r = new Running(requestId, userId, model, stream);
        running.put(requestId, r);
        return r;
    }

    void finish(Running r, int upstreamStatus, long promptTokens, long completionTokens, long costMicros, long latencyMs) {
        running.remove(r.requestId);
        String state = r.cancelled() ? "cancelled" : upstreamStatus == 200 ? "completed" : "failed";
        recent.put(r.requestId, new Status(r.requestId, r.userId, r.model, r.stream, state, r.startedAt, latencyMs,
                upstreamStatus, promptTokens, completionTokens, costMicros));
    }

    /** A call that ended before it was ledgered (refused before any upstream call): forget it. */
    void forget(Running r) {
        running.remove(r.requestId);
    }

    /** The request if this instance serves it or finished it recently, and {@code userId} owns it. */
    public Optional<Status> status(String requestId, long userId) {
        return statusForAnyone(requestId).filter(s -> s.userId() == userId);
    }

    /** As {@link #status}, whoever owns it (for administrators). */
    public Optional<Status> statusForAnyone(String requestId) {
        Running r = running.get(requestId);
        if (r != null) {
            return Optional.of(new Status(r.requestId, r.userId, r.model, r.stream,
                    r.cancelled() ? "cancelling" : "running", r.startedAt, null, null, null, null, null));
        }
        return Optional.ofNullable(recent.get(requestId));
    }

    /** Cancels a call this instance serves; false when it serves none by that id (for that user, if given). */
    public boolean cancel(String requestId, Long userId) {
        Running r = running.get(requestId);
        if (r == null || userId != null && r.userId != userId) {
            return false;
        }
        r.cancel();
        return true;
    }
}
