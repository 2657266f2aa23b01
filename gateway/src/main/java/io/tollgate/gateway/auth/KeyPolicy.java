package io.tollgate.gateway.auth;

import java.util.List;

/**
 * What a key is limited to beyond its scopes (seeds 001 and 003). Null means no limit.
 *
 * @param kind                "api" (a user's own key) or "virtual" (issued by an admin with a budget)
 * @param maxRequests         lifetime usage limit in requests
 * @param maxSpendMicros      lifetime usage limit in money
 */
public record KeyPolicy(String kind, Long monthlyBudgetMicros, Long maxTokensPerRequest, Long maxReasoningTokens,
                        List<Cidr> ipAllowlist, List<String> allowedDomains, Long maxRequests, Long maxSpendMicros) {
    public static final KeyPolicy NONE = new KeyPolicy("api", null, null, null, List.of(), List.of(), null, null);
}
