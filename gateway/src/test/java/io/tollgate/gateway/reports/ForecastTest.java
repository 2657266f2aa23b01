package io.tollgate.gateway.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.time.LocalDate;

import org.junit.jupiter.api.Test;

class ForecastTest {
    @Test
    void theForecastIsTheMonthToDateRunRateExactToAMicro() {
        // 10 USD in the first 10 days of a 30-day month → 30 USD.
        assertEquals(new BigDecimal("30.000000"), OverviewService.forecast(10_000_000, LocalDate.parse("2026-11-10")));
        // 1 micro over 3 days of a 31-day month: 31/3 = 10.33 → 10 micros, rounded half up.
        assertEquals(new BigDecimal("0.000010"), OverviewService.forecast(1, LocalDate.parse("2026-10-03")));
        assertEquals(new BigDecimal("0.000000"), OverviewService.forecast(0, LocalDate.parse("2026-10-31")));
    }
}
