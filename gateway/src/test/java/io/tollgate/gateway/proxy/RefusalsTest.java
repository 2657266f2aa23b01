package io.tollgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.account.Decision;
import io.tollgate.ledger.account.Decision.Reason;
import io.tollgate.ledger.account.Decision.Room;
import io.tollgate.ledger.account.Reservation;

class RefusalsTest {
    @Test
    void eachReasonGetsOpenAisStatusAndErrorType() {
        assertEquals("403 permission_error key_usage_limit_reached", line(refused(Reason.KEY_USAGE_LIMIT_REACHED, null, null)));
        assertEquals("429 insufficient_quota budget_exceeded", line(refused(Reason.BUDGET_EXCEEDED, Duration.ofDays(3), null)));
        assertEquals("429 insufficient_quota plan_quota_exceeded", line(refused(Reason.PLAN_QUOTA_EXCEEDED, Duration.ofDays(3), null)));
        assertEquals("402 billing_error insufficient_credits", line(refused(Reason.INSUFFICIENT_CREDITS, null, null)));
        assertEquals("429 rate_limit_error rate_limit_exceeded", line(refused(Reason.RATE_LIMIT_EXCEEDED,
                Duration.ofSeconds(30), new Room("requests", 60, 0, Duration.ofSeconds(30)))));
    }

    @Test
    void retryAfterIsInWholeSecondsRoundedUpAndOnlyWhenWaitingHelps() {
        assertEquals(Map.of("Retry-After", "2"), Refusals.toHttp(refused(Reason.BUDGET_EXCEEDED,
                Duration.ofMillis(1_001), null)).headers());
        assertEquals(Map.of(), Refusals.toHttp(refused(Reason.INSUFFICIENT_CREDITS, null, null)).headers());
    }

    @Test
    void aRateLimitNamesTheWindowThatRanOutInOpenAisHeaders() {
        ApiError e = Refusals.toHttp(new Decision.Refused(Reason.RATE_LIMIT_EXCEEDED,
                "user limit of 1000 tokens per minute reached", Duration.ofSeconds(42),
                new Room("tokens", 1000, 0, Duration.ofSeconds(42))));
        assertEquals(Map.of("Retry-After", "42", "x-ratelimit-limit-tokens", "1000", "x-ratelimit-remaining-tokens", "0",
                "x-ratelimit-reset-tokens", "42s"), e.headers());
        assertEquals("user limit of 1000 tokens per minute reached", e.getMessage());
    }

    @Test
    void anAdmittedCallGetsTheTightestWindowsInOpenAisHeaders() {
        Reservation r = new Reservation(List.of(7L), 100, 10);
        assertEquals(Map.of("x-ratelimit-limit-requests", "60", "x-ratelimit-remaining-requests", "59",
                "x-ratelimit-reset-requests", "6m0s"), Refusals.headers(new Decision.Admitted(r,
                new Room("requests", 60, 59, Duration.ofMinutes(6)), null)));
        assertEquals(Map.of(), Refusals.headers(new Decision.Admitted(r, null, null)));
    }

    @Test
    void resetTimesUseOpenAisFormatRoundedUpToASecond() {
        assertEquals("1s", Refusals.resetText(Duration.ofMillis(10)));
        assertEquals("59s", Refusals.resetText(Duration.ofMillis(58_001)));
        assertEquals("6m0s", Refusals.resetText(Duration.ofMinutes(6)));
        assertEquals("1h2m3s", Refusals.resetText(Duration.ofSeconds(3723)));
    }

    private static Decision.Refused refused(Reason reason, Duration retryAfter, Room window) {
        return new Decision.Refused(reason, "m", retryAfter, window);
    }

    private static String line(Decision.Refused r) {
        ApiError e = Refusals.toHttp(r);
        return e.status() + " " + e.type() + " " + e.code();
    }
}
