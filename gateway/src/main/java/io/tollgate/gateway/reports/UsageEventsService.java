package io.tollgate.gateway.reports;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.ledger.money.Micros;

/**
 * Usage events, newest first, a page at a time, from the {@code rm_usage_event} read model:
 * {@code GET /api/admin/usage-events} (seed 003: {@code limit, virtual_key_id, user_id, model,
 * cost_centre, from, to, cursor}) and {@code GET /api/usage-events} (the caller's own). The reply's
 * {@code next_cursor} fetches the next page; it is null on the last one.
 */
public final class UsageEventsService implements HttpService {
    private final Guard guard;
    private final Db db;
    private final boolean admin;

    public UsageEventsService(Guard guard, Db db, boolean admin) {
        this.guard = guard;
        this.db = db;
        this.admin = admin;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Principal caller = admin ? guard.require(req, Access.FINANCE) : guard.require(req, Access.OWN_READ);
        Long user = Period.id(req, "user_id").orElse(null);
        if (!admin && user != null && user != caller.userId()) {
            throw ApiError.forbidden("not_your_events", "users see only their own usage events");
        }
        int limit = Period.limit(req, 100, 1000);
        Long cursor = req.query().first("cursor").map(UsageEventsService::cursor).orElse(null);
        Instant from = Period.instant(req, "from", false).orElse(null);
        Instant to = Period.instant(req, "to", true).orElse(null);
        Where w = new Where()
                .andIf(!admin, "user_id = ?", caller.userId())
                // A key that only calls models sees its own calls, not its owner's other keys'.
                .andIf(!admin && caller.seesOnlyItsKey(), "key_id = ?", caller.keyId())
                .andIf(user != null, "user_id = ?", user)
                .andIf(req.query().contains("virtual_key_id"), "key_id = ?", Period.id(req, "virtual_key_id").orElse(0L))
                .andIf(req.query().contains("model"), "model = ?", req.query().first("model").orElse(""))
                .andIf(req.query().contains("cost_centre"), "cost_centre = ?", req.query().first("cost_centre").orElse(""))
                .andIf(from != null, "occurred_at >= ?", from == null ? null : from.atOffset(ZoneOffset.UTC))
                .andIf(to != null, "occurred_at < ?", to == null ? null : to.atOffset(ZoneOffset.UTC))
                .andIf(cursor != null, "seq < ?", cursor);
        List<Map<String, Object>> page = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT seq, occurred_at, request_id, user_id, key_id, model, "
                    + "provider, endpoint, streamed, prompt_tokens, completion_tokens, cost_micros, latency_ms, "
                    + "upstream_status, tokens_estimated, cost_centre, project, environment, agent, messages, deployment, "
                    + "unpriced "
                    + "FROM rm_usage_event WHERE " + w.sql() + " ORDER BY seq DESC LIMIT ?")) {
                q.setInt(w.bind(q, 1), limit + 1);
                List<Map<String, Object>> rows = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("seq", rs.getLong(1));
                        e.put("timestamp", rs.getTimestamp(2).toInstant());
                        e.put("request_id", rs.getString(3));
                        e.put("user_id", rs.getLong(4));
                        e.put("virtual_key_id", rs.getLong(5));
                        e.put("model", rs.getString(6));
                        e.put("provider", rs.getString(7));
                        e.put("endpoint", rs.getString(8));
                        e.put("streamed", rs.getBoolean(9));
                        e.put("prompt_tokens", rs.getLong(10));
                        e.put("completion_tokens", rs.getLong(11));
                        e.put("total_tokens", rs.getLong(10) + rs.getLong(11));
                        e.put("cost", Micros.toDecimal(rs.getLong(12)));
                        e.put("latency_ms", rs.getLong(13));
                        e.put("status", rs.getInt(14));
                        e.put("tokens_estimated", rs.getBoolean(15));
                        e.put("cost_centre", rs.getString(16));
                        e.put("project", rs.getString(17));
                        e.put("environment", rs.getString(18));
                        e.put("agent_name", rs.getString(19));
                        e.put("messages", rs.getLong(20));
                        e.put("deployment", rs.getString(21));
                        e.put("unpriced", rs.getBoolean(22));
                        rows.add(e);
                    }
                }
                return rows;
            }
        });
        boolean more = page.size() > limit;
        List<Map<String, Object>> data = more ? page.subList(0, limit) : page;
        // Seed 003's client reads a plain array; the next page's cursor travels in headers.
        if (more) {
            String next = Long.toString((Long) data.getLast().get("seq"));
            res.header(NEXT_CURSOR, next);
            res.header(HeaderNames.LINK, "<" + req.path().path() + "?" + nextQuery(req, next) + ">; rel=\"next\"");
        }
        Json.send(res, 200, data);
    }

    private static final io.helidon.http.HeaderName NEXT_CURSOR = io.helidon.http.HeaderNames.create("X-Next-Cursor");

    /** The query of the next page: this one's, with its cursor. */
    private static String nextQuery(ServerRequest req, String cursor) {
        StringBuilder q = new StringBuilder();
        for (String name : req.query().names()) {
            if (!name.equals("cursor")) {
                for (String v : req.query().all(name)) {
                    q.append(enc(name)).append('=').append(enc(v)).append('&');
                }
            }
        }
        return q.append("cursor=").append(cursor).toString();
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static long cursor(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("invalid_cursor", "cursor must be the X-Next-Cursor of an earlier page");
        }
    }
}
