package io.tollgate.gateway.controls;

import java.time.Duration;

/**
 * Admission's "no": why a call may not start, as a domain value. The data plane maps it to its HTTP
 * status, error body and headers in one place ({@code proxy/Refusals}); admission itself knows no HTTP.
 *
 * @param retryAfter when asking again can succeed (a window's or the month's end), or null when only a
 *                   person can change the answer (a key's lifetime limits, credits)
 * @param window     for a rate limit: what ran out, its limit and when that window ends; else null
 */
public final class Refusal extends RuntimeException {
    public enum Reason {
        KEY_USAGE_LIMIT_REACHED("key_usage_limit_reached"),
        RATE_LIMIT_EXCEEDED("rate_limit_exceeded"),
        BUDGET_EXCEEDED("budget_exceeded"),
        PLAN_QUOTA_EXCEEDED("plan_quota_exceeded"),
        INSUFFICIENT_CREDITS("insufficient_credits");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The reason's stable name: the API's error code and the refusals metric's tag. */
        public String code() {
            return code;
        }
    }

    /** The rate window that ran out: {@code what} is "requests" or "tokens". */
    public record Window(String what, long limit, Duration resetsIn) {
    }

    private final Reason reason;
    private final Duration retryAfter;
    private final Window window;

    public Refusal(Reason reason, String message, Duration retryAfter, Window window) {
        // Refusals are answers, not failures: no stack trace to fill on a busy path.
        super(message, null, false, false);
        this.reason = reason;
        this.retryAfter = retryAfter;
        this.window = window;
    }

    public Reason reason() {
        return reason;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public Window window() {
        return window;
    }
}
