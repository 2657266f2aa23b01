package io.tollgate.gateway.admin;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.auth.ApiKeys;
import io.tollgate.gateway.auth.Cidr;
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Validation;
import io.tollgate.ledger.money.Micros;

/**
 * The fields of a key as clients send them (seeds 001 and 003), each checked with a 400 that names
 * it. Shared by the user key endpoints, the virtual-key endpoints and key updates.
 */
final class KeyInput {
    /** Limits and restrictions a key may carry, in their API names (money in USD, "monthly_budget_cap"). */
    static final Set<String> POLICY_FIELDS = Set.of("monthly_budget_cap", "max_tokens_per_request",
            "max_reasoning_tokens", "ip_allowlist", "allowed_domains", "max_requests", "max_spend");
    private static final Pattern DOMAIN = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62}\\.)*[A-Za-z0-9-]{1,63}");

    private final ObjectNode body;

    KeyInput(ObjectNode body, Set<String> allowed) {
        this.body = body;
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw ApiError.badRequest("unknown_field", "unknown field " + f + "; accepted: " + new java.util.TreeSet<>(allowed));
            }
        }
    }

    boolean has(String field) {
        return body.has(field);
    }

    JsonNode node(String field) {
        return body.get(field);
    }

    String text(String field, int maxLength) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiError.badRequest("invalid_field", field + " must be a string");
        }
        return Validation.text(field, v.asText(), maxLength);
    }

    Long money(String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : Validation.money(field, v);
    }

    Long count(String field, long min) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min) {
            throw ApiError.badRequest("invalid_field", field + " must be an integer of at least " + min);
        }
        return v.asLong();
    }

    Instant future(String field) {
        String v = text(field, 64);
        if (v == null) {
            return null;
        }
        Instant t;
        try {
            t = Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("invalid_field", field + " must be an ISO-8601 instant, e.g. 2027-01-31T00:00:00Z");
        }
        if (!t.isAfter(Instant.now())) {
            throw ApiError.badRequest("invalid_expiry", field + " must be in the future");
        }
        return t;
    }

    List<String> strings(String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray() || v.size() > 100) {
            throw ApiError.badRequest("invalid_field", field + " must be an array of at most 100 strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : v) {
            if (!item.isTextual() || item.asText().isBlank() || item.asText().length() > 200) {
                throw ApiError.badRequest("invalid_field", field + " must contain non-empty strings");
            }
            out.add(item.asText().trim());
        }
        return out;
    }

    List<Cidr> cidrs(String field) {
        List<String> raw = strings(field);
        if (raw == null) {
            return null;
        }
        try {
            return raw.stream().map(Cidr::parse).toList();
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("invalid_ip_allowlist", field + ": " + e.getMessage());
        }
    }

    List<String> domains(String field) {
        List<String> raw = strings(field);
        if (raw != null) {
            for (String d : raw) {
                if (!DOMAIN.matcher(d).matches()) {
                    throw ApiError.badRequest("invalid_allowed_domains", field + ": not a domain name: " + d);
                }
            }
        }
        return raw;
    }

    /** One of {@link ApiKeys#ENVIRONMENTS}, kept as the client named it (seed 003's "prod" stays "prod"); null when absent. */
    String environment() {
        String env = text("environment", 32);
        if (env != null && !ApiKeys.ENVIRONMENTS.contains(env)) {
            throw ApiError.badRequest("invalid_environment", "environment must be one of " + new java.util.TreeSet<>(ApiKeys.ENVIRONMENTS));
        }
        return env;
    }

    KeyPolicy policy(String kind) {
        List<Cidr> ips = cidrs("ip_allowlist");
        List<String> domains = domains("allowed_domains");
        return new KeyPolicy(kind, money("monthly_budget_cap"), count("max_tokens_per_request", 1),
                count("max_reasoning_tokens", 0), ips == null ? List.of() : ips, domains == null ? List.of() : domains,
                count("max_requests", 0), money("max_spend"));
    }

    /** The policy fields present in the body, as column → value for {@code UserDirectory.updateKey}. */
    Map<String, Object> policyChanges() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (has("monthly_budget_cap")) {
            out.put("monthly_budget_micros", money("monthly_budget_cap"));
        }
        if (has("max_tokens_per_request")) {
            out.put("max_tokens_per_request", count("max_tokens_per_request", 1));
        }
        if (has("max_reasoning_tokens")) {
            out.put("max_reasoning_tokens", count("max_reasoning_tokens", 0));
        }
        if (has("ip_allowlist")) {
            List<Cidr> ips = cidrs("ip_allowlist");
            out.put("ip_allowlist", ips == null || ips.isEmpty() ? null : ips.stream().map(Cidr::text).toList());
        }
        if (has("allowed_domains")) {
            List<String> d = domains("allowed_domains");
            out.put("allowed_domains", d == null || d.isEmpty() ? null : d);
        }
        if (has("max_requests")) {
            out.put("max_requests", count("max_requests", 0));
        }
        if (has("max_spend")) {
            out.put("max_spend_micros", money("max_spend"));
        }
        return out;
    }

    /** A key's settings as the API shows them: money in USD, never the secret. */
    static Map<String, Object> view(io.tollgate.gateway.identity.UserDirectory.Key k) {
        Map<String, Object> m = new LinkedHashMap<>();
        KeyPolicy p = k.policy();
        m.put("id", k.id());
        m.put("user_id", k.userId());
        m.put("kind", p.kind());
        m.put("name", k.name());
        m.put("prefix", k.prefix());
        m.put("scopes", k.scopes());
        m.put("environment", k.environment());
        m.put("cost_centre", k.costCentre());
        m.put("project", k.project());
        m.put("agent", k.agent());
        m.put("monthly_budget_cap", usd(p.monthlyBudgetMicros()));
        m.put("max_tokens_per_request", p.maxTokensPerRequest());
        m.put("max_reasoning_tokens", p.maxReasoningTokens());
        m.put("ip_allowlist", p.ipAllowlist().stream().map(Cidr::text).toList());
        m.put("allowed_domains", p.allowedDomains());
        m.put("max_requests", p.maxRequests());
        m.put("max_spend", usd(p.maxSpendMicros()));
        m.put("expires_at", k.expiresAt());
        boolean expired = k.expiresAt() != null && !k.expiresAt().isAfter(Instant.now());
        m.put("is_active", k.revokedAt() == null && !expired);
        m.put("revoked", k.revokedAt() != null);
        m.put("revoked_at", k.revokedAt());
        m.put("rotated_at", k.rotatedAt());
        m.put("created_at", k.createdAt());
        m.put("updated_at", k.rotatedAt() != null ? k.rotatedAt() : k.createdAt());
        // The same facts under the names seed 001's clients read.
        m.put("key_name", k.name());
        m.put("environment_tag", k.environment());
        m.put("domain_referrers", p.allowedDomains());
        m.put("is_primary", "primary".equals(k.name()));
        m.put("expiration_date", k.expiresAt());
        return m;
    }

    static Object usd(Long micros) {
        return micros == null ? null : Micros.toDecimal(micros);
    }
}
