package io.tollgate.ledger.events;

/**
 * Every fact the ledger records. Sealed so that each exhaustive {@code switch} over events (codec,
 * projections) fails to compile when a new type is added and forgotten.
 */
public sealed interface LedgerEvent
        permits UsageRecorded, CreditsAdded, UserCreated, ApiKeyCreated, KeyRevoked,
        ProviderRegistered, ProviderUpdated, ProviderModelsRefreshed, ModelRegistered,
        KeyUpdated, KeyRotated, LimitsSet, PlanAssigned, PasswordChanged,
        DefaultModelSet, ProviderKeySet, ProviderKeyRemoved, UserUpdated,
        SessionOpened, SessionClosed, LoginLockedOut, ProviderRemoved,
        DeploymentAdded, DeploymentChanged, ModelRoutingSet, ModelPriceSet, ModelAvailabilityChanged {

    /** The account this event belongs to: the Kafka key, so one account's events stay ordered. */
    String accountId();
}
