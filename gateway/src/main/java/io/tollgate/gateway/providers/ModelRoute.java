package io.tollgate.gateway.providers;

import java.time.Instant;

/**
 * One deployment of a public model, as a call would use it: where it goes upstream and what it costs
 * (micro-units per million tokens, already resolved: the deployment's own price, the model's, the
 * catalogue's, or none).
 *
 * @param id          the deployment's id (0 for a model a provider listed and nobody registered)
 * @param deployment  the deployment's name, unique across models
 * @param priced      false when no price is known: the call is charged 0 and flagged unpriced
 * @param priceSource where the price came from: {@code deployment}, {@code model}, {@code catalog:<entry>},
 *                    {@code free}, {@code own-key} or {@code unpriced}
 * @param weight      its share of traffic in its priority tier (weighted routing)
 * @param priority    its tier: 0 is tried first, higher tiers only when every lower one failed
 */
public record ModelRoute(long id, String modelId, String displayName, Provider provider, String upstreamName,
                         long inputMicrosPerMillion, long outputMicrosPerMillion, boolean free, Instant createdAt,
                         String deployment, boolean priced, String priceSource, int weight, int priority,
                         Long rpmLimit, Long tpmLimit) {

    /** This route through the caller's own key for its provider (seed 002): the provider bills the caller. */
    public ModelRoute withOwnKey(String apiKey) {
        Provider p = provider;
        return new ModelRoute(id, modelId, displayName, new Provider(p.id(), p.name(), p.type(), p.baseUrl(), apiKey,
                p.enabled(), p.createdAt()), upstreamName, 0, 0, true, createdAt, deployment, true, "own-key", weight,
                priority, rpmLimit, tpmLimit);
    }
}
