package io.tollgate.ledger.events;

/** The model {@code /v1/generate} uses for a modality when a request names none. */
public record DefaultModelSet(String modality, String modelId, long actorUserId) implements LedgerEvent {
    @Override
    public String accountId() {
        return Long.toString(actorUserId);
    }
}
