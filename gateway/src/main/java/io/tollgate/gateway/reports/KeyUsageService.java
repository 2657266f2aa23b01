package io.tollgate.gateway.reports;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
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
import io.tollgate.ledger.money.Micros;

/**
 * Seed 001's {@code GET /api/user/api-keys/usage}: requests, tokens, cost and last use of each of the
 * caller's keys (revoked ones included), from the daily spend roll-up.
 */
public final class KeyUsageService implements HttpService {
    private final Guard guard;
    private final Db db;

    public KeyUsageService(Guard guard, Db db) {
        this.guard = guard;
        this.db = db;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::usage);
    }

    private void usage(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        List<Map<String, Object>> keys = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT k.id, k.name, k.prefix, k.environment, "
                    + "coalesce(sum(s.requests), 0), coalesce(sum(s.prompt_tokens), 0), coalesce(sum(s.completion_tokens), 0), "
                    + "coalesce(sum(s.cost_micros), 0), max(s.day), k.revoked_at IS NULL FROM api_keys k "
                    + "LEFT JOIN rm_spend s ON s.key_id = k.id AND s.user_id = k.user_id WHERE k.user_id = ? "
                    + "AND (? = 0 OR k.id = ?) GROUP BY k.id ORDER BY k.id")) {
                // A key that only calls models sees its own numbers, not its owner's other keys'.
                long onlyKey = caller.seesOnlyItsKey() ? caller.keyId() : 0;
                q.setLong(1, caller.userId());
                q.setLong(2, onlyKey);
                q.setLong(3, onlyKey);
                List<Map<String, Object>> out = new ArrayList<>();
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("key_id", rs.getLong(1));
                        m.put("name", rs.getString(2));
                        m.put("prefix", rs.getString(3));
                        m.put("environment", rs.getString(4));
                        m.put("requests", rs.getLong(5));
                        m.put("prompt_tokens", rs.getLong(6));
                        m.put("completion_tokens", rs.getLong(7));
                        m.put("cost", Micros.toDecimal(rs.getLong(8)));
                        m.put("last_used_day", rs.getDate(9) == null ? null : rs.getDate(9).toLocalDate().toString());
                        m.put("is_active", rs.getBoolean(10));
                        out.add(m);
                    }
                }
                return out;
            }
        });
        Json.send(res, 200, Map.of("user_id", caller.userId(), "keys", keys));
    }
}
