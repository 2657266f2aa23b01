package io.tollgate.ledger.account;

import java.util.List;

/**
 * Everything that limits a call's money and rate: the caller's key and the keys above it, the key's
 * and the user's rate limits, and the plan's quotas and prepaid rule.
 *
 * @param family the caller's key first, then each key it was created from
 * @param plan   null when the user has no plan
 */
public record Policy(List<KeyLimits> family, RateLimits keyRates, RateLimits userRates, Plan plan) {
    public Policy {
        family = List.copyOf(family);
        if (family.isEmpty()) {
            throw new IllegalArgumentException("a policy needs the caller's key");
        }
    }

    /** A key's own limits; null means none. Lifetime limits and the monthly budget count the key's family. */
    public record KeyLimits(long keyId, Long maxRequests, Long maxSpendMicros, Long monthlyBudgetMicros) {
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

    /** A plan's monthly quotas (null: none); a prepaid plan's calls spend credits and stop when they run out. */
    public record Plan(String name, boolean prepaid, Long monthlySpendMicros, Long monthlyTokens) {
    }
}
