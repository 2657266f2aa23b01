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
        SpendRange r = SpendRange.between(LocalDate.parse("2026-10-15"), LocalDate.parse("2026-12-10"), false);
        assertTrue(r.sql().contains("rm_spend_month WHERE month >= ? AND month < ?"), r.sql());
        assertEquals(3, parts(r), "November monthly, October 15-31 and December 1-10 daily");
        assertEquals("day >= ? AND day < ? AND day >= ? AND day <= ?",
                r.sql().replaceAll(".*FROM rm_spend WHERE (.*?) UNION ALL .*FROM rm_spend WHERE (.*)\\)$", "$1 AND $2"));
    }

    @Test
    void aRangeOfWholeMonthsReadsNoDays() {
        SpendRange r = SpendRange.between(LocalDate.parse("2026-01-01"), LocalDate.parse("2026-10-31"), false);
        assertEquals(1, parts(r));
        assertTrue(r.sql().contains("rm_spend_month"));
        assertEquals(1, parts(SpendRange.between(null, null, false)));
    }

    @Test
    void aRangeInsideOneMonthReadsOnlyDays() {
        SpendRange r = SpendRange.between(LocalDate.parse("2026-11-03"), LocalDate.parse("2026-11-25"), false);
        assertFalse(r.sql().contains("rm_spend_month"), r.sql());
    }

    @Test
    void detailedRangesAreDailyWithKeysAndAgents() {
        SpendRange r = SpendRange.between(null, LocalDate.parse("2026-11-25"), true);
        assertTrue(r.sql().contains("key_id") && r.sql().contains("agent") && !r.sql().contains("rm_spend_month"));
    }
}
