package io.tollgate.gateway.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;

import org.junit.jupiter.api.Test;

class SpendRangeTest {
    private static int parts(SpendRange r) {
        return r.sql().split("UNION ALL").length;
    }

    @Test
    void wholeMonthsComeFromTheMonthlyRollUpAndPartialMonthsFromDays() {
        SpendRange r = SpendRange.between(LocalDate.parse("2025-10-15"), LocalDate.parse("2025-12-10"), false);
        assertTrue(r.sql().contains("rm_spend_month WHERE month >= ? AND month < ?"), r.sql());
        assertEquals(3, parts(r), "November monthly, October 15-31 and December 1-10 daily");
        SpendRange.Split split = SpendRange.split(LocalDate.parse("2025-10-15"), LocalDate.parse("2025-12-10"));
        assertEquals(LocalDate.parse("2025-11-01"), split.monthsFrom());
        assertEquals(LocalDate.parse("2025-12-01"), split.monthsTo());
        assertEquals("[2025-10-15, 2025-10-31] [2025-12-01, 2025-12-10]", split.days().stream()
                .map(java.util.Arrays::toString).collect(java.util.stream.Collectors.joining(" ")));
    }

    @Test
    void aRangeOfWholeMonthsReadsNoDays() {
        SpendRange r = SpendRange.between(LocalDate.parse("2025-01-01"), LocalDate.parse("2025-10-31"), false);
        assertEquals(1, parts(r));
        assertTrue(r.sql().contains("rm_spend_month"));
        assertEquals(1, parts(SpendRange.between(null, null, false)));
    }

    @Test
    void aRangeReachingTodayReadsTheCurrentMonthWhole() {
        LocalDate today = LocalDate.now(java.time.ZoneOffset.UTC);
        assertEquals(1, parts(SpendRange.between(today.withDayOfMonth(1), today, false)));
        assertFalse(SpendRange.between(today, today, true).sql().contains("rm_spend_month"));
    }

    @Test
    void aRangeInsideOneMonthReadsOnlyDays() {
        SpendRange r = SpendRange.between(LocalDate.parse("2025-11-03"), LocalDate.parse("2025-11-25"), false);
        assertFalse(r.sql().contains("rm_spend_month"), r.sql());
    }

    @Test
    void detailedRangesAreDailyWithKeysAndAgents() {
        SpendRange r = SpendRange.between(null, LocalDate.parse("2026-11-25"), true);
        assertTrue(r.sql().contains("key_id") && r.sql().contains("agent") && !r.sql().contains("rm_spend_month"));
    }
}
