package io.tollgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.plans.Plan;

/**
 * The most output a request can produce, which bounds its cost before the call. A key's
 * {@code max_tokens_per_request} and {@code max_reasoning_tokens} refuse requests asking for more
 * and are written into requests that ask for nothing. When money is limited (a budget, a spend
 * limit, a plan quota, prepaid credit) a request without any cap gets {@link #DEFAULT_MAX_OUTPUT}
 * upstream, so that its reservation really covers its cost.
 */
record OutputCap(long worstOutputTokens) {
    /** Output reserved (and, under a money limit, enforced) for a request that sets no cap. */
    static final long DEFAULT_MAX_OUTPUT = 4096;

    static OutputCap apply(KeyPolicy policy, Plan plan, ProxyRequest request) {
        ObjectNode body = request.body();
        if (request.endpoint() == Endpoint.EMBEDDINGS) {
            return new OutputCap(0);
        }
        reasoning(policy, request);
        String field = request.endpoint() == Endpoint.CHAT ? "max_completion_tokens" : "max_tokens";
        long asked = Math.max(body.path("max_tokens").asLong(0), body.path("max_completion_tokens").asLong(0));
        Long keyMax = policy.maxTokensPerRequest();
        if (keyMax != null && asked > keyMax) {
            throw ApiError.badRequest("max_tokens_exceeded", "this key allows at most " + keyMax
                    + " output tokens per request (max_tokens_per_request); the request asks for " + asked);
        }
        if (asked > 0) {
            return new OutputCap(asked);
        }
        if (keyMax != null) {
            body.put(field, keyMax);
            return new OutputCap(keyMax);
        }
        boolean moneyLimited = policy.monthlyBudgetMicros() != null || policy.maxSpendMicros() != null
                || plan != null && (plan.prepaid() || plan.monthlySpendQuotaMicros() != null
                || plan.monthlyTokenQuota() != null);
        if (moneyLimited) {
            body.put(field, DEFAULT_MAX_OUTPUT);
        }
        return new OutputCap(DEFAULT_MAX_OUTPUT);
    }

    /** Anthropic's {@code thinking.budget_tokens} and the OpenAI-style {@code reasoning.max_tokens}. */
    private static void reasoning(KeyPolicy policy, ProxyRequest request) {
        Long limit = policy.maxReasoningTokens();
        if (limit == null) {
            return;
        }
        JsonNode thinking = request.body().path("thinking");
        if ("enabled".equals(thinking.path("type").asText())) {
            long budget = thinking.path("budget_tokens").asLong(0);
            if (budget > limit) {
                throw ApiError.badRequest("max_reasoning_tokens_exceeded", "this key allows at most " + limit
                        + " reasoning tokens (max_reasoning_tokens); thinking.budget_tokens asks for " + budget);
            }
        }
        if (request.body().get("reasoning") instanceof ObjectNode reasoning) {
            long asked = reasoning.path("max_tokens").asLong(0);
            if (asked > limit) {
                throw ApiError.badRequest("max_reasoning_tokens_exceeded", "this key allows at most " + limit
                        + " reasoning tokens (max_reasoning_tokens); reasoning.max_tokens asks for " + asked);
            }
            if (asked == 0) {
                reasoning.put("max_tokens", limit);
            }
        }
    }
}
