package io.tollgate.gateway.proxy;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.http.AccessLog;
import io.tollgate.gateway.http.ApiError;

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

    /** A call in flight; {@code cancel} stops its upstream call once one is under way. */
    static final class Running {
        final String requestId;
        final long userId;
        final String model;
        final boolean stream;
        final Instant startedAt = Instant.now();
        private Runnable cancel;
        private boolean cancelled;

        Running(String requestId, long userId, String model, boolean stream) {
            this.requestId = requestId;
            this.userId = userId;
            this.model = model;
            this.stream = stream;
        }

        /** The upstream call's cancel, handed over before the request goes out (a cancel already asked runs now). */
        synchronized void attach(Runnable upstreamCancel) {
            cancel = upstreamCancel;
            if (cancelled) {
                upstreamCancel.run();
            }
        }

        synchronized void cancel() {
            cancelled = true;
            if (cancel != null) {
                cancel.run();
            }
        }

        synchronized boolean cancelled() {
            return cancelled;
        }

        Status status() {
            return new Status(requestId, userId, model, stream, cancelled() ? "cancelling" : "running", startedAt, null,
                    null, null, null, null);
        }
    }

    private static final HeaderName X_REQUEST_ID = HeaderNames.create("X-Request-Id");

    /**
     * The call's id: the client's {@code X-Request-Id} if it sent one, so that it can cancel a call before any
     * reply (a non-streamed one answers only when done), 400 if that is malformed; otherwise the id the access
     * log gave the request.
     */
    static String idFor(ServerRequest req) {
        Optional<String> asked = req.headers().first(X_REQUEST_ID);
        if (asked.isPresent() && !AccessLog.ID.matcher(asked.get()).matches()) {
            throw ApiError.badRequest("invalid_request_id", "X-Request-Id must be 1 to 64 letters, digits, '.', '_', ':' or '-'");
        }
        return asked.orElseGet(AccessLog::requestId);
    }

    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Map<String, Status> recent = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Status> eldest) {
            return size() > RECENT;
        }
    });

    /**
     * Calls are kept by owner and id: a client's own id names a call of its own, so two users' ids never
     * collide, and one user's call cannot share an id with another of theirs in flight (it may once that ended).
     */
    private static String key(long userId, String requestId) {
        return userId + "/" + requestId;
    }

    Running start(String requestId, long userId, String model, boolean stream) {
        Running r = new Running(requestId, userId, model, stream);
        if (running.putIfAbsent(key(userId, requestId), r) != null) {
            throw ApiError.conflict("request_id_in_use", "a call of yours with request id " + requestId + " is in flight");
        }
        return r;
    }

    void finish(Running r, int upstreamStatus, long promptTokens, long completionTokens, long costMicros, long latencyMs) {
        running.remove(key(r.userId, r.requestId));
        String state = r.cancelled() ? "cancelled" : upstreamStatus == 200 ? "completed" : "failed";
        recent.put(key(r.userId, r.requestId), new Status(r.requestId, r.userId, r.model, r.stream, state, r.startedAt,
                latencyMs, upstreamStatus, promptTokens, completionTokens, costMicros));
    }

    /** A call that ended before it was ledgered (refused before any upstream call): forget it. */
    void forget(Running r) {
        running.remove(key(r.userId, r.requestId));
    }

    /** The request if this instance serves it or finished it recently, and {@code userId} owns it. */
    public Optional<Status> status(String requestId, long userId) {
        Running r = running.get(key(userId, requestId));
        return r != null ? Optional.of(r.status()) : Optional.ofNullable(recent.get(key(userId, requestId)));
    }

    /** As {@link #status}, whoever owns it (for administrators; the latest if several users used the id). */
    public Optional<Status> statusForAnyone(String requestId) {
        Optional<Running> r = running.values().stream().filter(x -> x.requestId.equals(requestId)).findFirst();
        if (r.isPresent()) {
            return Optional.of(r.get().status());
        }
        synchronized (recent) {
            return recent.values().stream().filter(x -> x.requestId().equals(requestId)).reduce((a, b) -> b);
        }
    }

    /** Calls of {@code model} this instance has in flight. */
    public int inFlight(String model) {
        return (int) running.values().stream().filter(r -> r.model.equals(model)).count();
    }

    /** Cancels every call of {@code model} this instance serves (seed 002's forced unload); how many. */
    public int cancelModel(String model) {
        List<Running> matching = running.values().stream().filter(r -> r.model.equals(model)).toList();
        matching.forEach(Running::cancel);
        return matching.size();
    }

    /** Cancels a call this instance serves; false when it serves none by that id (for that user, if given). */
    public boolean cancel(String requestId, Long userId) {
        List<Running> matching = userId != null ? Optional.ofNullable(running.get(key(userId, requestId))).stream().toList()
                : running.values().stream().filter(x -> x.requestId.equals(requestId)).toList();
        matching.forEach(Running::cancel);
        return !matching.isEmpty();
    }
}
