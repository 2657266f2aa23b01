package io.tollgate.ledger.account;

import java.util.List;
import java.util.Set;

/**
 * Everything that limits a call: the caller's key and the keys above it (lifetime limits, monthly
 * budgets), what the caller's key may ask for (models, output, reasoning), the key's and the user's
 * rate limits, and the plan (quotas, prepaid credit, models, features).
 *
 * @param family the caller's key first, then each key it was created from
 * @param plan   null when the user has no plan
 */
public record Policy(List<KeyLimits> family, Uses uses, RateLimits keyRates, RateLimits userRates, Plan plan) {
    public Policy {
        family = List.copyOf(family);
        if (family.isEmpty()) {
            throw new IllegalArgumentException("a policy needs the caller's key");
        }
    }

    /** A key's own limits; null means none. Lifetime limits and the monthly budget count the key's family. */
    public record KeyLimits(long keyId, Long maxRequests, Long maxSpendMicros, Long monthlyBudgetMicros) {
    }

    /**
     * What the caller's key may ask for: its models (null: any), and the most output and reasoning tokens
     * one call may ask for (null: no limit).
     */
    public record Uses(Set<String> models, Long maxOutputTokens, Long maxReasoningTokens) {
        public static final Uses ANY = new Uses(null, null, null);
    }

    /** Requests and tokens allowed per window; null means no limit. */
    public interface RateLimits {
        Long requests(Granularity g);

        Long tokens(Granularity g);

        RateLimits NONE = new RateLimits() {
            @Override
            public Long requests(Granularity g) {
                return null;
            }

            @Override
            public Long tokens(Granularity g) {
                return null;
            }
        };
    }

    /**
     * A plan's monthly quotas (null: none); a prepaid plan's calls spend credits and stop when they run out.
     *
     * @param models   the models it includes (null: every model the key may use)
     * @param features what it includes ("chat", "streaming", ...)
     */
    public record Plan(String name, boolean prepaid, Long monthlySpendMicros, Long monthlyTokens, Set<String> models,
                       List<String> features) {
    }

    /**
     * Whether any cap on money applies (a budget or spend limit in the key's family, prepaid credit, a spend
     * quota): then a call at an unknown price would be a way around it.
     */
    public boolean limitsSpend() {
        return family.stream().anyMatch(k -> k.monthlyBudgetMicros() != null || k.maxSpendMicros() != null)
                || plan != null && (plan.prepaid() || plan.monthlySpendMicros() != null);
    }

    /** Whether spend or tokens are capped: then a call's output must be bounded for its reservation to hold. */
    public boolean limitsUsage() {
        return limitsSpend() || plan != null && plan.monthlyTokens() != null;
    }
}
