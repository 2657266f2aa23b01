package io.tollgate.gateway.proxy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.controls.Refusal;
import io.tollgate.gateway.http.ApiError;

/**
 * The one place admission's refusals become HTTP: OpenAI's error types and statuses (403 for a key's
 * lifetime limits, 429 {@code rate_limit_error} or {@code insufficient_quota}, 402 for credits), a
 * {@code Retry-After} when asking again can succeed, and OpenAI's {@code x-ratelimit-*} headers for the
 * window that ran out.
 */
final class Refusals {
    private Refusals() {
    }

    static ApiError toHttp(Refusal r) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (r.retryAfter() != null) {
            headers.put("Retry-After", seconds(r.retryAfter()));
        }
        Refusal.Window w = r.window();
        if (w != null) {
            headers.put("x-ratelimit-limit-" + w.what(), Long.toString(w.limit()));
            headers.put("x-ratelimit-remaining-" + w.what(), "0");
            headers.put("x-ratelimit-reset-" + w.what(), Admission.resetText(w.resetsIn()));
        }
        String code = r.reason().code();
        return switch (r.reason()) {
            case KEY_USAGE_LIMIT_REACHED -> new ApiError(403, "permission_error", code, r.getMessage(), headers);
            case RATE_LIMIT_EXCEEDED -> new ApiError(429, "rate_limit_error", code, r.getMessage(), headers);
            case BUDGET_EXCEEDED, PLAN_QUOTA_EXCEEDED -> new ApiError(429, "insufficient_quota", code, r.getMessage(), headers);
            case INSUFFICIENT_CREDITS -> new ApiError(402, "billing_error", code, r.getMessage(), headers);
        };
    }

    /** Whole seconds, rounded up and at least 1, as {@code Retry-After} takes them. */
    private static String seconds(Duration d) {
        return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
    }
}
