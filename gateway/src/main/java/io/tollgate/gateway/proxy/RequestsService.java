package io.tollgate.gateway.proxy;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.AccessLog;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.ledger.money.Micros;

/**
 * {@code /v1/requests/{id}/status} and {@code /cancel} (seed 002), by the id in each reply's
 * {@code x-request-id}. A call in flight is known to the instance serving it; a finished one to the
 * instance that served it (recently) and, once projected, to the usage events read model. Users see
 * and cancel their own requests, administrators anyone's.
 */
public final class RequestsService implements HttpService {
    private final Guard guard;
    private final Db db;
    private final RequestBoard board;
    private final PeerSignals signals;

    public RequestsService(Guard guard, Db db, RequestBoard board, PeerSignals signals) {
        this.guard = guard;
        this.db = db;
        this.board = board;
        this.signals = signals;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/{id}/status", this::status)
                .post("/{id}/cancel", this::cancel);
    }

    private void status(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        String id = requestId(req);
        // Not here and not ledgered yet: perhaps another instance serves it, or finished it a moment ago.
        RequestBoard.Status s = find(id, caller).or(() -> signals.ask(id, caller.isAdmin() ? null : caller.userId()))
                .orElseThrow(() -> ApiError.notFound("no request " + id));
        Json.send(res, 200, view(s));
    }

    private void cancel(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        String id = requestId(req);
        Long owner = caller.isAdmin() ? null : caller.userId();
        if (board.cancel(id, owner)) {
            Json.send(res, 200, Map.of("request_id", id, "status", "cancelled"));
            return;
        }
        Optional<RequestBoard.Status> done = find(id, caller);
        if (done.isPresent()) {
            throw ApiError.conflict("request_finished", "request " + id + " already ended: " + done.get().state());
        }
        // Perhaps another instance serves it: ask them all; the status shows the outcome.
        signals.broadcastCancel(id, owner);
        Json.send(res, 202, Map.of("request_id", id, "status", "cancel_requested"));
    }

    private Optional<RequestBoard.Status> find(String id, Principal caller) {
        Optional<RequestBoard.Status> here = caller.isAdmin() ? board.statusForAnyone(id) : board.status(id, caller.userId());
        return here.isPresent() ? here : ledgered(id, caller);
    }

    /** A finished call from the usage events read model. */
    private Optional<RequestBoard.Status> ledgered(String id, Principal caller) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT user_id, model, streamed, occurred_at, latency_ms, "
                    + "upstream_status, prompt_tokens, completion_tokens, cost_micros FROM rm_usage_event "
                    + "WHERE request_id = ? AND (? OR user_id = ?) ORDER BY occurred_at DESC LIMIT 1")) {
                q.setString(1, id);
                q.setBoolean(2, caller.isAdmin());
                q.setLong(3, caller.userId());
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<RequestBoard.Status>empty();
                    }
                    int status = rs.getInt(6);
                    return Optional.of(new RequestBoard.Status(id, rs.getLong(1), rs.getString(2), rs.getBoolean(3),
                            status == 200 ? "completed" : "failed", null, rs.getLong(5), status, rs.getLong(7),
                            rs.getLong(8), rs.getLong(9)));
                }
            }
        });
    }

    private static String requestId(ServerRequest req) {
        String id = req.path().pathParameters().get("id");
        if (!AccessLog.ID.matcher(id).matches()) {
            throw ApiError.notFound("no request " + id.substring(0, Math.min(id.length(), 64)));
        }
        return id;
    }

    private static Map<String, Object> view(RequestBoard.Status s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("request_id", s.requestId());
        out.put("status", s.state());
        out.put("model", s.model());
        out.put("stream", s.stream());
        out.put("started_at", s.startedAt() == null ? null : s.startedAt().toString());
        out.put("latency_ms", s.latencyMs());
        out.put("upstream_status", s.upstreamStatus());
        out.put("prompt_tokens", s.promptTokens());
        out.put("completion_tokens", s.completionTokens());
        out.put("cost", s.costMicros() == null ? null : Micros.toDecimal(s.costMicros()));
        return out;
    }
}
