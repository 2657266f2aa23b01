package io.tollgate.ledger.events;

/**
 * One upstream call, successful or not. Field names are a public contract (the ledger export and
 * finance tooling read them): add fields, never rename.
 *
 * @param tokensEstimated true when the upstream reported no usage and tokens were counted locally
 * @param messages        messages in the request's prompt (0 for completions and embeddings; added later,
 *                        so older payloads read as 0)
 */
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
        int messages) implements LedgerEvent {

    @Override
    public String accountId() {
        return Long.toString(userId);
    }
}
