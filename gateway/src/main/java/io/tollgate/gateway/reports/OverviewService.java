package io.tollgate.gateway.reports;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
 * {@code GET /api/metrics/overview} (seed 003's shape, plus {@code by_cost_centre} and {@code by_model}),
 * from the projector's spend roll-ups and waste model. Administrators see everyone; a user sees its own.
 * {@code from}/{@code to} bound the totals, tops, breakdowns and waste; {@code spend_today},
 * {@code spend_mtd}, {@code spend_ytd} and the forecast are always relative to today (UTC).
 * {@code cost_centre} and {@code environment} filter everything but the top repeated prompts (kept
 * per account and prompt).
 *
 * <p>Whole months come from {@code rm_spend_dimension} (one row per month, cost centre, environment
 * and user, project or model), so an organisation-wide overview sums thousands of rows; days at the
 * edges of a range come from the daily roll-up.
 */
public final class OverviewService implements HttpService {
    private static final int TOP = 10;
    private static final String BY_DIMENSION = "SELECT CASE WHEN GROUPING(user_id) = 0 THEN 'user' "
            + "WHEN GROUPING(project) = 0 THEN 'project' ELSE 'model' END, coalesce(user_id::text, project, model), "
            + "cost_centre, sum(requests), sum(prompt_tokens + completion_tokens), sum(cost_micros), sum(repeats), "
            + "sum(wasted_micros) FROM %s s WHERE %s GROUP BY GROUPING SETS ((user_id, cost_centre), "
            + "(project, cost_centre), (model, cost_centre))";

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

    /** Requests, tokens, cost and waste of one user, project, model or cost centre. */
    private static final class Sums {
        long requests;
        long tokens;
        long cost;
        long repeats;
        long wasted;

        void add(ResultSet rs) throws SQLException {
            requests += rs.getLong(4);
            tokens += rs.getLong(5);
            cost = Math.addExact(cost, rs.getLong(6));
            repeats += rs.getLong(7);
            wasted = Math.addExact(wasted, rs.getLong(8));
        }
    }

    private void overview(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Where filters = new Where().andQueried(req, "cost_centre", "environment");
        Where scope = new Where().andIf(!caller.isFinance(), "user_id = ?", caller.userId()).andAll(filters);
        LocalDate from = Period.day(req, "from").orElse(null);
        LocalDate to = Period.day(req, "to").orElse(null);
        Map<String, Object> out = db.read(c -> {
            long spendToday = spendToday(c, today, scope);
            long[] toDate = spendToDate(c, caller, today, scope, filters);
            long spendMtd = toDate[0];
            long spendYtd = toDate[1];

            Map<String, Map<String, Sums>> by = new HashMap<>();
            for (String d : List.of("user", "project", "model", "cost_centre")) {
                by.put(d, new HashMap<>());
            }
            Sums total = new Sums();
            for (Query q : breakdownQueries(caller, from, to, scope, filters)) {
                try (PreparedStatement ps = c.prepareStatement(q.sql)) {
                    q.parameters.bind(ps, 1);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            String dimension = rs.getString(1);
                            by.get(dimension).computeIfAbsent(rs.getString(2), k -> new Sums()).add(rs);
                            // Every call is in exactly one model row: those give the totals and the cost centres.
                            if (dimension.equals("model")) {
                                by.get("cost_centre").computeIfAbsent(rs.getString(3), k -> new Sums()).add(rs);
                                total.add(rs);
                            }
                        }
                    }
                }
            }
            Map<String, Object> body = new LinkedHashMap<>();
            Map<String, Object> cost = new LinkedHashMap<>();
            cost.put("spend_today", Micros.toDecimal(spendToday));
            cost.put("spend_mtd", Micros.toDecimal(spendMtd));
            cost.put("spend_ytd", Micros.toDecimal(spendYtd));
            cost.put("forecasted_month_end", forecast(spendMtd, today));
            cost.put("total_requests", total.requests);
            cost.put("total_tokens", total.tokens);
            body.put("cost", cost);
            List<Map.Entry<String, Sums>> topUsers = top(by.get("user"), TOP);
            Map<Long, String> emails = emails(c, topUsers.stream().map(e -> Long.parseLong(e.getKey())).toList());
            body.put("top_users", topUsers.stream().map(e -> row("user_id", Long.parseLong(e.getKey()), "user_email",
                    emails.get(Long.parseLong(e.getKey())), e.getValue())).toList());
            body.put("top_projects", top(by.get("project"), TOP).stream()
                    .map(e -> row("project_name", blankAsNone(e.getKey()), null, null, e.getValue())).toList());
            body.put("by_cost_centre", top(by.get("cost_centre"), Integer.MAX_VALUE).stream()
                    .map(e -> row("cost_centre", blankAsNone(e.getKey()), null, null, e.getValue())).toList());
            body.put("by_model", top(by.get("model"), Integer.MAX_VALUE).stream()
                    .map(e -> row("model", e.getKey(), null, null, e.getValue())).toList());
            Map<String, Object> waste = new LinkedHashMap<>();
            waste.put("repeated_prompts_count", total.repeats);
            waste.put("estimated_waste", Micros.toDecimal(total.wasted));
            waste.put("top_repeated_hashes", topRepeated(c, caller, from, to));
            body.put("waste", waste);
            return body;
        });
        Json.send(res, 200, out);
    }

    private record Query(String sql, Where parameters) {
    }

    /**
     * Rows of (dimension, value, cost centre, sums). An administrator's whole months come from the
     * per-dimension roll-up; a user's rows (few) and the edge days from the per-cell ones.
     */
    private static List<Query> breakdownQueries(Principal caller, LocalDate from, LocalDate to, Where scope,
                                                Where filters) {
        if (!caller.isFinance()) {
            SpendRange range = SpendRange.between(from, to, false);
            return List.of(new Query(BY_DIMENSION.formatted(range.sql(), scope.sql()),
                    new Where().andAll(range.parameters()).andAll(scope)));
        }
        SpendRange.Split split = SpendRange.split(from, to);
        List<Query> queries = new ArrayList<>();
        if (!split.noMonths()) {
            Where months = split.months("month").andAll(filters);
            queries.add(new Query("SELECT dimension, value, cost_centre, sum(requests), "
                    + "sum(prompt_tokens + completion_tokens), sum(cost_micros), sum(repeats), sum(wasted_micros) "
                    + "FROM rm_spend_dimension WHERE " + months.sql() + " GROUP BY dimension, value, cost_centre", months));
        }
        for (LocalDate[] days : split.days()) {
            Where w = split.dayRange(days).andAll(filters);
            queries.add(new Query(BY_DIMENSION.formatted("rm_spend", w.sql()), w));
        }
        return queries;
    }

    private static long spendToday(Connection c, LocalDate today, Where scope) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT coalesce(sum(cost_micros), 0) FROM rm_spend WHERE day = ? AND "
                + scope.sql())) {
            q.setObject(1, today);
            scope.bind(q, 2);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Month and year to date: whole months, as nothing is recorded after today. */
    private static long[] spendToDate(Connection c, Principal caller, LocalDate today, Where scope, Where filters)
            throws SQLException {
        Where w = caller.isFinance() ? new Where().and("dimension = 'model'").andAll(filters) : scope;
        try (PreparedStatement q = c.prepareStatement("SELECT coalesce(sum(cost_micros) FILTER (WHERE month = ?), 0), "
                + "coalesce(sum(cost_micros), 0) FROM " + (caller.isFinance() ? "rm_spend_dimension" : "rm_spend_month")
                + " WHERE month >= ? AND " + w.sql())) {
            q.setObject(1, today.withDayOfMonth(1));
            q.setObject(2, today.withDayOfYear(1));
            w.bind(q, 3);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
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

    private static Map<Long, String> emails(Connection c, List<Long> ids) throws SQLException {
        Map<Long, String> out = new HashMap<>();
        try (PreparedStatement q = c.prepareStatement("SELECT id, email FROM users WHERE id = ANY(?)")) {
            q.setArray(1, c.createArrayOf("bigint", ids.toArray()));
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    /** The most repeated prompts (per account, hash and model, as waste is counted), last seen in the period. */
    private static List<Map<String, Object>> topRepeated(Connection c, Principal caller, LocalDate from, LocalDate to)
            throws SQLException {
        Where w = new Where().and("repeats > 0")
                .andIf(!caller.isFinance(), "account_id = ?", Long.toString(caller.userId()))
                .andIf(from != null, "last_seen >= ?", from == null ? null : from.atStartOfDay().atOffset(ZoneOffset.UTC))
                .andIf(to != null, "first_seen < ?", to == null ? null : to.plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC));
        List<Map<String, Object>> hashes = new ArrayList<>();
        // An index on (repeats, prompt_hash) serves these rows without sorting the table.
        try (PreparedStatement q = c.prepareStatement("SELECT prompt_hash, occurrences, repeats, wasted_micros, model, "
                + "account_id FROM rm_prompt WHERE " + w.sql() + " ORDER BY repeats DESC, prompt_hash LIMIT " + TOP)) {
            w.bind(q, 1);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> h = new LinkedHashMap<>();
                    h.put("hash", rs.getString(1));
                    h.put("count", rs.getLong(2));
                    h.put("repeats", rs.getLong(3));
                    h.put("estimated_waste", Micros.toDecimal(rs.getLong(4)));
                    h.put("model", rs.getString(5));
                    h.put("account_id", rs.getString(6));
                    hashes.add(h);
                }
            }
        }
        return hashes;
    }

    private static List<Map.Entry<String, Sums>> top(Map<String, Sums> sums, int limit) {
        return sums.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, Sums> e) -> e.getValue().cost)
                        .thenComparingLong(e -> e.getValue().requests).reversed().thenComparing(Map.Entry::getKey))
                .limit(limit).toList();
    }

    private static Map<String, Object> row(String name, Object value, String name2, Object value2, Sums s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(name, value);
        if (name2 != null) {
            m.put(name2, value2);
        }
        m.put("total_cost", Micros.toDecimal(s.cost));
        m.put("request_count", s.requests);
        m.put("total_tokens", s.tokens);
        return m;
    }

    private static String blankAsNone(String s) {
        return s == null || s.isEmpty() ? "(none)" : s;
    }
}
