package io.tollgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.ledger.account.Decision;
import io.tollgate.ledger.account.Entitlements;
import io.tollgate.ledger.account.Policy;

/**
 * Applies the account kernel's output rules ({@link Entitlements}) to a request's body: a request asking
 * for more output or reasoning than its key allows is refused, and the bound is written into a request
 * that set none when the kernel says so, so that the call's reservation really covers its cost.
 */
final class OutputCap {
    private OutputCap() {
    }

    /** @return the most output tokens the call can produce, which its worst case is priced at */
    static long apply(Policy policy, ProxyRequest request) {
        if (request.endpoint() == Endpoint.EMBEDDINGS) {
            return 0;
        }
        reasoning(policy, request);
        ObjectNode body = request.body();
        String field = request.endpoint() == Endpoint.CHAT ? "max_completion_tokens" : "max_tokens";
        long asked = Math.max(body.path("max_tokens").asLong(0), body.path("max_completion_tokens").asLong(0));
        refuseIf(Entitlements.outputRefusal(policy, asked));
        Entitlements.Output bound = Entitlements.output(policy, asked);
        if (bound.written() != null) {
            body.put(field, bound.written());
        }
        return bound.worstTokens();
    }

    /** Anthropic's {@code thinking.budget_tokens} and the OpenAI-style {@code reasoning.max_tokens}. */
    private static void reasoning(Policy policy, ProxyRequest request) {
        Long limit = policy.uses().maxReasoningTokens();
        if (limit == null) {
            return;
        }
        JsonNode thinking = request.body().path("thinking");
        if ("enabled".equals(thinking.path("type").asText())) {
            refuseIf(Entitlements.reasoningRefusal(policy, thinking.path("budget_tokens").asLong(0), "thinking.budget_tokens"));
        }
        if (request.body().get("reasoning") instanceof ObjectNode reasoning) {
            long asked = reasoning.path("max_tokens").asLong(0);
            refuseIf(Entitlements.reasoningRefusal(policy, asked, "reasoning.max_tokens"));
            if (asked == 0) {
                reasoning.put("max_tokens", limit);
            }
        }
    }

    private static void refuseIf(Decision.Refused refused) {
        if (refused != null) {
            throw Refusals.toHttp(refused);
        }
    }
}
