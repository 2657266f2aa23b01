package io.tollgate.gateway.reports;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The spend roll-up between two days, as a subquery: whole months come from {@code rm_spend_month}
 * (thousands of rows for years of data) and only the partial months at the edges from the daily
 * {@code rm_spend}; the current month counts as whole when the range reaches today. Columns:
 * {@code day} (a month's first day for monthly rows), {@code user_id}, {@code project},
 * {@code cost_centre}, {@code environment}, {@code model} and the sums; with {@code detailed},
 * daily rows only, plus {@code key_id} and {@code agent}.
 */
record SpendRange(String sql, Where parameters) {
    static final String SUMS = "requests, prompt_tokens, completion_tokens, cost_micros, latency_ms, messages, "
            + "repeats, wasted_micros";
    private static final String DAILY = "SELECT day, user_id, project, cost_centre, environment, model, " + SUMS
            + " FROM rm_spend";
    private static final String MONTHLY = "SELECT month AS day, user_id, project, cost_centre, environment, model, "
            + SUMS + " FROM rm_spend_month";

    /** Whole months {@code [monthsFrom, monthsTo)} (null: unbounded, or no months when {@code noMonths}) and day ranges. */
    record Split(boolean noMonths, LocalDate monthsFrom, LocalDate monthsTo, List<LocalDate[]> days) {
        Where months(String column) {
            return new Where().andIf(monthsFrom != null, column + " >= ?", monthsFrom)
                    .andIf(monthsTo != null, column + " < ?", monthsTo);
        }

        /** {@code day} within one of the day ranges. */
        Where dayRange(LocalDate[] range) {
            return new Where().and("day >= ?", range[0]).and("day <= ?", range[1]);
        }
    }

    /** {@code from} and {@code to} are inclusive; null is unbounded. */
    static Split split(LocalDate from, LocalDate to) {
        LocalDate fullStart = from == null || from.getDayOfMonth() == 1 ? from : from.withDayOfMonth(1).plusMonths(1);
        // Nothing is recorded after today, so a range reaching today covers its month as far as data goes.
        boolean toMonthEnd = to != null && (to.getDayOfMonth() == to.lengthOfMonth()
                || !to.isBefore(LocalDate.now(ZoneOffset.UTC)));
        LocalDate fullEnd = to == null ? null : toMonthEnd ? to.withDayOfMonth(1).plusMonths(1) : to.withDayOfMonth(1);
        if (fullStart != null && fullEnd != null && !fullStart.isBefore(fullEnd)) {
            return new Split(true, null, null, List.<LocalDate[]>of(new LocalDate[] {from, to}));
        }
        List<LocalDate[]> days = new ArrayList<>();
        if (from != null && from.isBefore(fullStart)) {
            days.add(new LocalDate[] {from, fullStart.minusDays(1)});
        }
        if (to != null && !to.isBefore(fullEnd)) {
            days.add(new LocalDate[] {fullEnd, to});
        }
        return new Split(false, fullStart, fullEnd, days);
    }

    static SpendRange between(LocalDate from, LocalDate to, boolean detailed) {
        if (detailed) {
            Where days = new Where().andIf(from != null, "day >= ?", from).andIf(to != null, "day <= ?", to);
            return new SpendRange("(SELECT day, user_id, key_id, project, cost_centre, environment, agent, model, " + SUMS
                    + " FROM rm_spend WHERE " + days.sql() + ")", days);
        }
        Split split = split(from, to);
        Where all = new Where();
        List<String> parts = new ArrayList<>();
        if (!split.noMonths()) {
            Where months = split.months("month");
            parts.add(MONTHLY + " WHERE " + months.sql());
            all.andAll(months);
        }
        for (LocalDate[] range : split.days()) {
            Where days = split.dayRange(range);
            parts.add(DAILY + " WHERE " + days.sql());
            all.andAll(days);
        }
        return new SpendRange("(" + String.join(" UNION ALL ", parts) + ")", all);
    }
}
