package io.tollgate.gateway.admin;

import java.time.Duration;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.http.ApiError;

/**
 * Seed 001's key fields (Gatewayz's CreateApiKeyRequest and UpdateApiKeyRequest) in Tollgate's names:
 * {@code key_name} is {@code name}, {@code environment_tag} {@code environment}, {@code domain_referrers}
 * {@code allowed_domains}, {@code expiration_days} an {@code expires_at} that many days ahead. Its
 * {@code scope_permissions} (a map of resource to actions) has no counterpart in Tollgate's scopes and is
 * refused when given with content; {@code action: "create"} is the only create action.
 */
final class Seed001Keys {
    private static final long MAX_DAYS = 3_650;

    private Seed001Keys() {
    }

    /** The body with seed 001's fields renamed to Tollgate's (a field given under both names is refused). */
    static ObjectNode canonical(ObjectNode body) {
        rename(body, "key_name", "name");
        rename(body, "environment_tag", "environment");
        rename(body, "domain_referrers", "allowed_domains");
        JsonNode days = body.remove("expiration_days");
        if (days != null && !days.isNull()) {
            if (!days.isIntegralNumber() || days.asLong() < 1 || days.asLong() > MAX_DAYS) {
                throw ApiError.badRequest("invalid_field", "expiration_days must be a whole number from 1 to " + MAX_DAYS);
            }
            body.put("expires_at", Instant.now().plus(Duration.ofDays(days.asLong())).toString());
        }
        JsonNode permissions = body.remove("scope_permissions");
        if (permissions != null && !permissions.isNull() && !permissions.isEmpty()) {
            throw ApiError.badRequest("unsupported_field", "scope_permissions has no counterpart here; give scopes, "
                    + "e.g. \"completion:invoke,model:any\"");
        }
        JsonNode action = body.get("action");
        if (action != null && "create".equals(action.asText())) {
            body.remove("action");
        }
        return body;
    }

    /** Seed 001's {@code is_active: false}: the key stops working (revoked). */
    static boolean deactivates(ObjectNode body) {
        JsonNode active = body.remove("is_active");
        if (active == null || active.isNull()) {
            return false;
        }
        if (!active.isBoolean()) {
            throw ApiError.badRequest("invalid_field", "is_active must be true or false");
        }
        return !active.asBoolean();
    }

    private static void rename(ObjectNode body, String from, String to) {
        JsonNode v = body.remove(from);
        if (v == null) {
            return;
        }
        if (body.has(to)) {
            throw ApiError.badRequest("invalid_request", "give " + from + " or " + to + ", not both");
        }
        body.set(to, v);
    }
}
