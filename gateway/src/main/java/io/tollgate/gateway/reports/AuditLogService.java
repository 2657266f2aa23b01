package io.tollgate.gateway.reports;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.Json;

/**
 * Seed 001's audit logs ({@code key_id, action, start_date, end_date, limit}), newest first, from the
 * projector's audit read model. Administrators see every entry; a user the entries of its own account.
 * Served at {@code /api/audit-logs} and {@code /api/user/api-keys/audit-logs}.
 */
public final class AuditLogService implements HttpService {
    private final Guard guard;
    private final Db db;

    public AuditLogService(Guard guard, Db db) {
        this.guard = guard;
        this.db = db;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        Instant start = Period.instant(req, "start_date", false).orElse(null);
        Instant end = Period.instant(req, "end_date", true).orElse(null);
        Long keyId = Period.id(req, "key_id").orElse(null);
        Where w = new Where()
                .andIf(!caller.isFinance(), "account_id = ?", Long.toString(caller.userId()))
                .andIf(keyId != null, "target_type = 'key' AND target_id = ?", String.valueOf(keyId))
                .andIf(req.query().contains("action"), "action = ?", req.query().first("action").orElse(""))
                .andIf(start != null, "occurred_at >= ?", start == null ? null : start.atOffset(ZoneOffset.UTC))
                .andIf(end != null, "occurred_at < ?", end == null ? null : end.atOffset(ZoneOffset.UTC));
        int limit = Period.limit(req, 100, 1000);
        List<Map<String, Object>> rows = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT seq, occurred_at, actor_user_id, action, target_type, "
                    + "target_id, account_id, outcome, details FROM rm_audit WHERE " + w.sql()
                    + " ORDER BY seq DESC LIMIT ?")) {
                q.setInt(w.bind(q, 1), limit);
                List<Map<String, Object>> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("seq", rs.getLong(1));
                        m.put("timestamp", rs.getTimestamp(2).toInstant());
                        m.put("actor_user_id", Db.nullableLong(rs, 3));
                        m.put("action", rs.getString(4));
                        m.put("target_type", rs.getString(5));
                        m.put("target_id", rs.getString(6));
                        m.put("account_id", rs.getString(7));
                        m.put("outcome", rs.getString(8));
                        m.put("details", rs.getString(9));
                        out.add(m);
                    }
                }
                return out;
            }
        });
        Json.send(res, 200, rows);
    }
}
