package io.tollgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.controls.Refusal;
import io.tollgate.gateway.controls.Refusal.Reason;
import io.tollgate.gateway.http.ApiError;

class RefusalsTest {
    @Test
    void eachReasonGetsOpenAisStatusAndErrorType() {
        assertEquals("403 permission_error key_usage_limit_reached", line(new Refusal(Reason.KEY_USAGE_LIMIT_REACHED, "m", null, null)));
        assertEquals("429 insufficient_quota budget_exceeded", line(new Refusal(Reason.BUDGET_EXCEEDED, "m", Duration.ofDays(3), null)));
        assertEquals("429 insufficient_quota plan_quota_exceeded", line(new Refusal(Reason.PLAN_QUOTA_EXCEEDED, "m", Duration.ofDays(3), null)));
        assertEquals("402 billing_error insufficient_credits", line(new Refusal(Reason.INSUFFICIENT_CREDITS, "m", null, null)));
        assertEquals("429 rate_limit_error rate_limit_exceeded", line(new Refusal(Reason.RATE_LIMIT_EXCEEDED, "m",
                Duration.ofSeconds(30), new Refusal.Window("requests", 60, Duration.ofSeconds(30)))));
    }

    @Test
    void retryAfterIsInWholeSecondsRoundedUpAndOnlyWhenWaitingHelps() {
        assertEquals(Map.of("Retry-After", "2"), Refusals.toHttp(new Refusal(Reason.BUDGET_EXCEEDED, "m",
                Duration.ofMillis(1_001), null)).headers());
        assertEquals(Map.of(), Refusals.toHttp(new Refusal(Reason.INSUFFICIENT_CREDITS, "m", null, null)).headers());
    }

    @Test
    void aRateLimitNamesTheWindowThatRanOutInOpenAisHeaders() {
        ApiError e = Refusals.toHttp(new Refusal(Reason.RATE_LIMIT_EXCEEDED, "user limit of 1000 tokens per minute reached",
                Duration.ofSeconds(42), new Refusal.Window("tokens", 1000, Duration.ofSeconds(42))));
        assertEquals(Map.of("Retry-After", "42", "x-ratelimit-limit-tokens", "1000", "x-ratelimit-remaining-tokens", "0",
                "x-ratelimit-reset-tokens", "42s"), e.headers());
        assertEquals("user limit of 1000 tokens per minute reached", e.getMessage());
    }

    private static String line(Refusal r) {
        ApiError e = Refusals.toHttp(r);
        return e.status() + " " + e.type() + " " + e.code();
    }
}
