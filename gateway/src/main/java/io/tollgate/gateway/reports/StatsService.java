package io.tollgate.gateway.reports;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.http.Validation;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.ledger.money.Micros;

/**
 * Seed 004's {@code /api/stats/me} and {@code /api/admin/stats/user/{id}} ({@code requests, avg_ms,
 * tokens_in, tokens_out, messages}) and seed 001's monitors ({@code /api/user/monitor},
 * {@code /api/admin/monitor}), from the spend roll-up; balances are the gateway's live ones.
 */
public final class StatsService implements HttpService {
    private final Guard guard;
    private final Db db;
    private final UserDirectory directory;
    private final Admission admission;

    public StatsService(Guard guard, Db db, UserDirectory directory, Admission admission) {
        this.guard = guard;
        this.db = db;
        this.directory = directory;
        this.admission = admission;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/stats/me", (req, res) -> Json.send(res, 200, stats(guard.require(req, Access.OWN_READ).userId())))
                .get("/admin/stats/user/{id}", (req, res) -> {
                    guard.require(req, Access.FINANCE);
                    long id = Validation.pathId(req, "id");
                    directory.user(id).orElseThrow(() -> ApiError.notFound("no user " + id));
                    Json.send(res, 200, stats(id));
                })
                .get("/user/monitor", this::userMonitor)
                .get("/admin/monitor", this::adminMonitor);
    }

    private Map<String, Object> stats(long userId) {
        Totals t = totals(SpendRange.between(null, null, false), new Where().and("user_id = ?", userId));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests", t.requests);
        out.put("avg_ms", t.requests == 0 ? BigDecimal.ZERO
                : BigDecimal.valueOf(t.latencyMs).divide(BigDecimal.valueOf(t.requests), 1, RoundingMode.HALF_UP));
        out.put("tokens_in", t.tokensIn);
        out.put("tokens_out", t.tokensOut);
        out.put("messages", t.messages);
        return out;
    }

    private void userMonitor(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Admission.Balance b = admission.balance(caller.userId());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user_id", caller.userId());
        out.put("credits", Micros.toDecimal(b.creditsMicros()));
        out.put("available", Micros.toDecimal(b.availableMicros()));
        out.put("usage", usage(new Where().and("user_id = ?", caller.userId())));
        out.put("stats", stats(caller.userId()));
        Json.send(res, 200, out);
    }

    private void adminMonitor(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.FINANCE);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("users", directory.userCount());
        out.put("usage", usage(new Where()));
        Json.send(res, 200, out);
    }

    /** Today's and this month's requests, tokens and spend (UTC). */
    private Map<String, Object> usage(Where scope) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("today", view(totals(SpendRange.between(today, today, true), scope)));
        out.put("month_to_date", view(totals(SpendRange.between(today.withDayOfMonth(1), today, false), scope)));
        return out;
    }

    private static Map<String, Object> view(Totals t) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests", t.requests);
        out.put("tokens", t.tokensIn + t.tokensOut);
        out.put("cost", Micros.toDecimal(t.costMicros));
        return out;
    }

    private record Totals(long requests, long latencyMs, long tokensIn, long tokensOut, long messages, long costMicros) {
    }

    private Totals totals(SpendRange range, Where w) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT coalesce(sum(requests), 0), coalesce(sum(latency_ms), 0), "
                    + "coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), coalesce(sum(messages), 0), "
                    + "coalesce(sum(cost_micros), 0) FROM " + range.sql() + " s WHERE " + w.sql())) {
                w.bind(q, range.parameters().bind(q, 1));
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    return new Totals(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                            rs.getLong(6));
                }
            }
        });
    }
}
