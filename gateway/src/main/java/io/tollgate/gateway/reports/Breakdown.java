package io.tollgate.gateway.reports;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.tollgate.ledger.money.Micros;

/** One user's spend between two days grouped by one column of the roll-ups: requests, tokens and cost per value. */
public final class Breakdown {
    private static final Set<String> COLUMNS = Set.of("model", "cost_centre", "environment", "project");

    private Breakdown() {
    }

    /** {@code from}/{@code to} inclusive, null unbounded; blank values are shown as "(none)"; most costly first. */
    public static List<Map<String, Object>> of(Connection c, long userId, String column, LocalDate from, LocalDate to)
            throws SQLException {
        if (!COLUMNS.contains(column)) {
            throw new IllegalArgumentException("cannot break spend down by " + column);
        }
        SpendRange range = SpendRange.between(from, to, false);
        try (PreparedStatement q = c.prepareStatement("SELECT " + column + ", sum(requests), sum(prompt_tokens), "
                + "sum(completion_tokens), sum(cost_micros) FROM " + range.sql() + " s WHERE user_id = ? GROUP BY "
                + column + " ORDER BY sum(cost_micros) DESC, " + column)) {
            q.setLong(range.parameters().bind(q, 1), userId);
            List<Map<String, Object>> out = new ArrayList<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put(column, rs.getString(1).isEmpty() ? "(none)" : rs.getString(1));
                    m.put("requests", rs.getLong(2));
                    m.put("prompt_tokens", rs.getLong(3));
                    m.put("completion_tokens", rs.getLong(4));
                    m.put("cost", Micros.toDecimal(rs.getLong(5)));
                    out.add(m);
                }
            }
            return out;
        }
    }
}
