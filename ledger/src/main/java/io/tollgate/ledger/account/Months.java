package io.tollgate.ledger.account;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** Calendar months in UTC: what budgets, plan quotas and statements count by, and when they roll over. */
public final class Months {
    private Months() {
    }

    public static YearMonth of(Instant t) {
        return YearMonth.from(t.atOffset(ZoneOffset.UTC));
    }

    public static Instant start(YearMonth m) {
        return m.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    /** When the month containing {@code t} ends and its budgets and quotas start again. */
    public static Instant next(Instant t) {
        return start(of(t).plusMonths(1));
    }
}
