package io.tollgate.gateway.proxy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.account.Decision;

/**
 * The one place the account kernel's answers become HTTP: OpenAI's error types and statuses for a
 * refusal (403 for a key's lifetime limits and for models or features not included, 429
 * {@code rate_limit_error} or {@code insufficient_quota}, 402 for credits, 400 for asking more output
 * or reasoning than the key allows), a {@code Retry-After} when asking again can succeed, and OpenAI's {@code x-ratelimit-*}
 * headers for the window that ran out, or on an admitted call for the windows with the least room.
 */
final class Refusals {
    private Refusals() {
    }

    static ApiError toHttp(Decision.Refused r) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (r.retryAfter() != null) {
            headers.put("Retry-After", seconds(r.retryAfter()));
        }
        rateLimit(r.window(), headers);
        String code = r.reason().code();
        return switch (r.reason()) {
            case KEY_USAGE_LIMIT_REACHED -> new ApiError(403, "permission_error", code, r.message(), headers);
            case RATE_LIMIT_EXCEEDED -> new ApiError(429, "rate_limit_error", code, r.message(), headers);
            case BUDGET_EXCEEDED, PLAN_QUOTA_EXCEEDED -> new ApiError(429, "insufficient_quota", code, r.message(), headers);
            case INSUFFICIENT_CREDITS -> new ApiError(402, "billing_error", code, r.message(), headers);
            case MODEL_NOT_ALLOWED, MODEL_NOT_IN_PLAN, FEATURE_NOT_IN_PLAN ->
                    new ApiError(403, "permission_error", code, r.message(), headers);
            case OUTPUT_LIMIT_EXCEEDED, REASONING_LIMIT_EXCEEDED ->
                    new ApiError(400, "invalid_request_error", code, r.message(), headers);
        };
    }

    /** The {@code x-ratelimit-*} headers of an admitted call (empty when no rate limit applies). */
    static Map<String, String> headers(Decision.Admitted a) {
        Map<String, String> headers = new LinkedHashMap<>();
        rateLimit(a.requests(), headers);
        rateLimit(a.tokens(), headers);
        return headers;
    }

    private static void rateLimit(Decision.Room w, Map<String, String> headers) {
        if (w != null) {
            headers.put("x-ratelimit-limit-" + w.what(), Long.toString(w.limit()));
            headers.put("x-ratelimit-remaining-" + w.what(), Long.toString(Math.max(0, w.remaining())));
            headers.put("x-ratelimit-reset-" + w.what(), resetText(w.resetsIn()));
        }
    }

    /** OpenAI's format for reset durations: {@code 59s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String resetText(Duration d) {
        long s = Math.max(1, (d.toMillis() + 999) / 1000);
        long h = s / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        return h > 0 ? h + "h" + m + "m" + sec + "s" : m > 0 ? m + "m" + sec + "s" : sec + "s";
    }

    /** Whole seconds, rounded up and at least 1, as {@code Retry-After} takes them. */
    private static String seconds(Duration d) {
        return Long.toString(Math.max(1, (d.toMillis() + 999) / 1000));
    }
}
