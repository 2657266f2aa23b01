package io.tollgate.ledger.events;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One upstream call, successful or not. Field names are a public contract (the ledger export and
 * finance tooling read them): add fields, never rename.
 *
 * <p>Written in the order jsonb keeps keys (shortest name first, then by bytes), so a payload has one
 * field order whether it is read from Postgres or from Kafka; {@link UsageRecordedReader} expects it.
 *
 * @param tokensEstimated true when the upstream reported no usage and tokens were counted locally
 * @param messages        messages in the request's prompt (0 for completions and embeddings; added later,
 *                        so older payloads read as 0)
 * @param unpriced        the model had no price (registered without one, not in the price catalog): charged 0,
 *                        flagged for finance (added later: older payloads read as false)
 * @param deployment      the deployment that served the call (added later: null on older payloads)
 * @param attempts        each earlier attempt of this call and how it failed, {@code "deployment: outcome"}, in
 *                        order (added later: empty on older payloads)
 * @param traceId         the OpenTelemetry trace of the call, so a charge leads to its trace (null when tracing
 *                        is off; added later: null on older payloads)
 */
@JsonPropertyOrder({"agent", "model", "key_id", "project", "user_id", "attempts", "endpoint", "messages", "provider",
    "streamed", "trace_id", "unpriced", "deployment", "latency_ms", "request_id", "cost_centre", "cost_micros", "environment",
    "prompt_hash", "total_tokens", "prompt_tokens", "upstream_status", "tokens_estimated", "completion_tokens"})
public record UsageRecorded(
        String requestId,
        long userId,
        long keyId,
        String model,
        String provider,
        String endpoint,
        boolean streamed,
        long promptTokens,
        long completionTokens,
        long totalTokens,
        boolean tokensEstimated,
        long costMicros,
        long latencyMs,
        int upstreamStatus,
        String promptHash,
        String costCentre,
        String project,
        String environment,
        String agent,
        int messages,
        boolean unpriced,
        String deployment,
        java.util.List<String> attempts,
        String traceId) implements LedgerEvent {

    public UsageRecorded {
        attempts = attempts == null ? java.util.List.of() : java.util.List.copyOf(attempts);
    }

    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
