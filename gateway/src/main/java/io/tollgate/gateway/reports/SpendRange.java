package io.tollgate.gateway.reports;

import java.time.LocalDate;

/**
 * The spend roll-up between two days, as a subquery: whole months come from {@code rm_spend_month}
 * (thousands of rows for years of data) and only the partial months at the edges from the daily
 * {@code rm_spend}. Columns: {@code day} (a month's first day for monthly rows), {@code user_id},
 * {@code project}, {@code cost_centre}, {@code environment}, {@code model} and the sums; with
 * {@code detailed}, daily rows only, plus {@code key_id} and {@code agent}.
 */
record SpendRange(String sql, Where parameters) {
    private static final String SUMS = "requests, prompt_tokens, completion_tokens, cost_micros, latency_ms, messages";
    private static final String DAILY = "SELECT day, user_id, project, cost_centre, environment, model, " + SUMS
            + " FROM rm_spend";
    private static final String MONTHLY = "SELECT month AS day, user_id, project, cost_centre, environment, model, "
            + SUMS + " FROM rm_spend_month";

    /** {@code from} and {@code to} are inclusive; null is unbounded. */
    static SpendRange between(LocalDate from, LocalDate to, boolean detailed) {
        if (detailed) {
            Where days = new Where().andIf(from != null, "day >= ?", from).andIf(to != null, "day <= ?", to);
            return new SpendRange("(SELECT day, user_id, key_id, project, cost_centre, environment, agent, model, " + SUMS
                    + " FROM rm_spend WHERE " + days.sql() + ")", days);
        }
        LocalDate fullStart = from == null || from.getDayOfMonth() == 1 ? from : from.withDayOfMonth(1).plusMonths(1);
        LocalDate fullEnd = to == null ? null
                : to.getDayOfMonth() == to.lengthOfMonth() ? to.plusDays(1) : to.withDayOfMonth(1);
        if (fullStart != null && fullEnd != null && !fullStart.isBefore(fullEnd)) {
            Where days = new Where().and("day >= ?", from).and("day <= ?", to);
            return new SpendRange("(" + DAILY + " WHERE " + days.sql() + ")", days);
        }
        Where all = new Where();
        Where months = new Where().andIf(fullStart != null, "month >= ?", fullStart).andIf(fullEnd != null, "month < ?", fullEnd);
        all.andAll(months);
        StringBuilder sql = new StringBuilder("(" + MONTHLY + " WHERE " + months.sql());
        if (from != null && from.isBefore(fullStart)) {
            Where head = new Where().and("day >= ?", from).and("day < ?", fullStart);
            sql.append(" UNION ALL ").append(DAILY).append(" WHERE ").append(head.sql());
            all.andAll(head);
        }
        if (to != null && !to.isBefore(fullEnd)) {
            Where tail = new Where().and("day >= ?", fullEnd).and("day <= ?", to);
            sql.append(" UNION ALL ").append(DAILY).append(" WHERE ").append(tail.sql());
            all.andAll(tail);
        }
        return new SpendRange(sql.append(")").toString(), all);
    }
}
