package io.tollgate.gateway.auth;

import java.time.Instant;
import java.util.Set;

/**
 * Who is calling: the key, its owner and what the key may do, plus its cost attribution, its
 * limits and the owner's plan (null: none).
 */
public record Principal(long keyId, long userId, String role, Set<String> scopes, String environment,
                        String costCentre, String project, String agent, Instant expiresAt, KeyPolicy policy,
                        String planId) {

    public boolean isAdmin() {
        return "admin".equals(role);
    }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    /** Seed 002's read-only token: {@code read} without {@code write}. */
    public boolean readOnly() {
        return scopes.contains(Scopes.READ) && !scopes.contains(Scopes.WRITE);
    }

    /** Seed 000: {@code model:any} or {@code model:<name>} lets a key use a model. */
    public boolean mayUseModel(String model) {
        return scopes.contains("model:any") || scopes.contains("model:" + model);
    }
}
