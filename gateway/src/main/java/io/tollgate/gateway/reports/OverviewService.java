package io.tollgate.gateway.reports;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.Json;
import io.tollgate.ledger.money.Micros;

/**
 * {@code GET /api/metrics/overview} (seed 003's shape, plus {@code by_cost_centre} and {@code by_model}),
 * from the projector's spend roll-up and waste model. Administrators see everyone; a user sees its own.
 * {@code from}/{@code to} bound the totals, tops and breakdowns; {@code spend_today}, {@code spend_mtd},
 * {@code spend_ytd} and the forecast are always relative to today (UTC). {@code cost_centre} and
 * {@code environment} filter everything but waste (which is kept per account and prompt).
 */
public final class OverviewService implements HttpService {
    private static final int TOP = 10;
    private final Guard guard;
    private final Db db;

    public OverviewService(Guard guard, Db db) {
        this.guard = guard;
        this.db = db;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/overview", this::overview);
    }

    private void overview(ServerRequest req, ServerResponse res) {
        Principal caller = guard.caller(req);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Where scope = new Where()
                .andIf(!caller.isAdmin(), "user_id = ?", caller.userId())
                .andIf(req.query().contains("cost_centre"), "cost_centre = ?", req.query().first("cost_centre").orElse(""))
                .andIf(req.query().contains("environment"), "environment = ?", req.query().first("environment").orElse(""));
        LocalDate from = Period.day(req, "from").orElse(null);
        LocalDate to = Period.day(req, "to").orElse(null);
        Map<String, Object> out = db.read(c -> {
            Map<String, Object> body = new LinkedHashMap<>();
            long spendToday = sumCost(c, SpendRange.between(today, today, true), scope, null);
            SpendRange yearToDate = SpendRange.between(today.withDayOfYear(1), today, false);
            long spendMtd = sumCost(c, yearToDate, scope, today.withDayOfMonth(1));
            long spendYtd = sumCost(c, yearToDate, scope, null);
            SpendRange range = SpendRange.between(from, to, false);
            List<Group> groups = new ArrayList<>();
            // One scan for every breakdown: GROUPING() tells which set a row belongs to.
            try (PreparedStatement q = c.prepareStatement("SELECT GROUPING(s.user_id, project, cost_centre, model), "
                    + "s.user_id, max(u.email), project, cost_centre, model, sum(requests), "
                    + "sum(prompt_tokens + completion_tokens), sum(cost_micros) FROM " + range.sql() + " s "
                    + "LEFT JOIN users u ON u.id = s.user_id WHERE " + scope.sql()
                    + " GROUP BY GROUPING SETS ((s.user_id), (project), (cost_centre), (model), ())")) {
                scope.bind(q, range.parameters().bind(q, 1));
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        groups.add(new Group(rs.getInt(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getLong(7), rs.getLong(8), rs.getLong(9)));
                    }
                }
            }
            Group total = groups.stream().filter(g -> g.set == 15).findFirst()
                    .orElse(new Group(15, 0, null, null, null, null, 0, 0, 0));
            Map<String, Object> cost = new LinkedHashMap<>();
            cost.put("spend_today", Micros.toDecimal(spendToday));
            cost.put("spend_mtd", Micros.toDecimal(spendMtd));
            cost.put("spend_ytd", Micros.toDecimal(spendYtd));
            cost.put("forecasted_month_end", forecast(spendMtd, today));
            cost.put("total_requests", total.requests);
            cost.put("total_tokens", total.tokens);
            body.put("cost", cost);
            body.put("top_users", top(groups, 7, TOP, g -> row("user_id", g.userId, "user_email", g.email, g)));
            body.put("top_projects", top(groups, 11, TOP, g -> row("project_name", blankAsNone(g.project), null, null, g)));
            body.put("by_cost_centre", top(groups, 13, Integer.MAX_VALUE,
                    g -> row("cost_centre", blankAsNone(g.costCentre), null, null, g)));
            body.put("by_model", top(groups, 14, Integer.MAX_VALUE, g -> row("model", g.model, null, null, g)));
            body.put("waste", waste(c, caller, from, to));
            return body;
        });
        Json.send(res, 200, out);
    }

    /** Spend in {@code range} within {@code scope}, from {@code since} on if given. */
    private static long sumCost(java.sql.Connection c, SpendRange range, Where scope, LocalDate since)
            throws java.sql.SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT coalesce(sum(cost_micros), 0) FROM " + range.sql()
                + " s WHERE " + scope.sql() + (since == null ? "" : " AND day >= ?"))) {
            int i = scope.bind(q, range.parameters().bind(q, 1));
            if (since != null) {
                q.setObject(i, since);
            }
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /**
     * Month-to-date run rate: spend so far ÷ days elapsed (today counted as a whole day) × days in the
     * month, rounded to a micro-unit.
     */
    static BigDecimal forecast(long mtdMicros, LocalDate today) {
        long micros = BigDecimal.valueOf(mtdMicros).multiply(BigDecimal.valueOf(today.lengthOfMonth()))
                .divide(BigDecimal.valueOf(today.getDayOfMonth()), 0, RoundingMode.HALF_UP).longValueExact();
        return Micros.toDecimal(micros);
    }

    private Map<String, Object> waste(java.sql.Connection c, Principal caller, LocalDate from, LocalDate to)
            throws java.sql.SQLException {
        Where w = new Where().and("repeats > 0")
                .andIf(!caller.isAdmin(), "account_id = ?", Long.toString(caller.userId()))
                .andIf(from != null, "last_seen >= ?", from == null ? null : from.atStartOfDay().atOffset(ZoneOffset.UTC))
                .andIf(to != null, "first_seen < ?", to == null ? null : to.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
        Map<String, Object> out = new LinkedHashMap<>();
        try (PreparedStatement q = c.prepareStatement("SELECT coalesce(sum(repeats), 0), coalesce(sum(wasted_micros), 0) "
                + "FROM rm_prompt WHERE " + w.sql())) {
            w.bind(q, 1);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                out.put("repeated_prompts_count", rs.getLong(1));
                out.put("estimated_waste", Micros.toDecimal(rs.getLong(2)));
            }
        }
        List<Map<String, Object>> hashes = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT prompt_hash, sum(occurrences), sum(repeats), "
                + "sum(wasted_micros) FROM rm_prompt WHERE " + w.sql() + " GROUP BY prompt_hash "
                + "ORDER BY sum(repeats) DESC, prompt_hash LIMIT " + TOP)) {
            w.bind(q, 1);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> h = new LinkedHashMap<>();
                    h.put("hash", rs.getString(1));
                    h.put("count", rs.getLong(2));
                    h.put("repeats", rs.getLong(3));
                    h.put("estimated_waste", Micros.toDecimal(rs.getLong(4)));
                    hashes.add(h);
                }
            }
        }
        out.put("top_repeated_hashes", hashes);
        return out;
    }

    private record Group(int set, long userId, String email, String project, String costCentre, String model,
                         long requests, long tokens, long costMicros) {
    }

    private static List<Map<String, Object>> top(List<Group> groups, int set, int limit,
                                                 Function<Group, Map<String, Object>> view) {
        return groups.stream().filter(g -> g.set == set)
                .sorted(Comparator.comparingLong(Group::costMicros).thenComparingLong(Group::requests).reversed())
                .limit(limit).map(view).toList();
    }

    private static Map<String, Object> row(String name, Object value, String name2, Object value2, Group g) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(name, value);
        if (name2 != null) {
            m.put(name2, value2);
        }
        m.put("total_cost", Micros.toDecimal(g.costMicros));
        m.put("request_count", g.requests);
        m.put("total_tokens", g.tokens);
        return m;
    }

    private static String blankAsNone(String s) {
        return s == null || s.isEmpty() ? "(none)" : s;
    }
}
