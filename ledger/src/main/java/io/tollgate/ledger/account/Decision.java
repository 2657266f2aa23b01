package io.tollgate.ledger.account;

import java.time.Duration;

/**
 * The kernel's answer to an {@link Ask}: admitted with what it holds back, or refused and why (the
 * {@link Entitlements} refuse with the same type, before a call is priced).
 */
public sealed interface Decision {

    /**
     * @param requests the rate window with the least room left for requests after this call, or null when no
     *                 request limit applies: what a client should pace itself by
     * @param tokens   the same for tokens
     */
    record Admitted(Reservation reservation, Room requests, Room tokens) implements Decision {
    }

    /**
     * @param retryAfter when asking again can succeed (a window's or the month's end), or null when only a person
     *                   can change the answer (a key's lifetime limits, credits)
     * @param window     for a rate limit: what ran out ("requests" or "tokens"), its limit and when it resets
     */
    record Refused(Reason reason, String message, Duration retryAfter, Room window) implements Decision {
    }

    /** A rate window's limit, what is left of it, and when it resets. */
    record Room(String what, long limit, long remaining, Duration resetsIn) {
    }

    enum Reason {
        KEY_USAGE_LIMIT_REACHED("key_usage_limit_reached"),
        RATE_LIMIT_EXCEEDED("rate_limit_exceeded"),
        BUDGET_EXCEEDED("budget_exceeded"),
        PLAN_QUOTA_EXCEEDED("plan_quota_exceeded"),
        INSUFFICIENT_CREDITS("insufficient_credits"),
        MODEL_NOT_ALLOWED("model_not_allowed"),
        MODEL_NOT_IN_PLAN("model_not_in_plan"),
        FEATURE_NOT_IN_PLAN("feature_not_in_plan"),
        OUTPUT_LIMIT_EXCEEDED("max_tokens_exceeded"),
        REASONING_LIMIT_EXCEEDED("max_reasoning_tokens_exceeded");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The reason's stable name: the API's error code and the refusals metric's tag. */
        public String code() {
            return code;
        }
    }
}
