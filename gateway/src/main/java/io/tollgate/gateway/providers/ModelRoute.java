package io.tollgate.gateway.providers;

import java.time.Instant;

/** A callable model: where it goes upstream and what it costs (micro-units per million tokens). */
public record ModelRoute(long id, String modelId, String displayName, Provider provider, String upstreamName,
                         long inputMicrosPerMillion, long outputMicrosPerMillion, boolean free, Instant createdAt) {
}
