package io.tollgate.gateway.identity;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import io.tollgate.gateway.auth.Cidr;
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.identity.UserDirectory.Key;
import io.tollgate.gateway.identity.UserDirectory.KeySpec;

/**
 * The limits a key may not escape: those of the key it was created from, or those someone else set
 * on it. A key inside them has a subset of the scopes, no later expiry, caps no higher, an IP
 * allowlist and allowed domains no wider, and the same cost attribution. What a key leaves unset it
 * inherits ({@link #inherit}); no credential ever makes a key with more power or fewer limits than its own.
 */
public record KeyBounds(Set<String> scopes, String environment, String costCentre, String project, String agent,
                        Instant expiresAt, KeyPolicy policy, boolean attributionFixed) {

    /** The bounds of the key a caller used (a session has none: do not call for one). */
    public static KeyBounds of(Principal caller) {
        return new KeyBounds(caller.scopes(), caller.environment(), caller.costCentre(), caller.project(),
                caller.agent(), caller.expiresAt(), caller.policy(), caller.attributionFixed());
    }

    /** @param attributionFixed whether keys within these bounds must keep {@code key}'s cost attribution */
    public static KeyBounds of(Key key, boolean attributionFixed) {
        return new KeyBounds(Set.copyOf(key.scopes()), key.environment(), key.costCentre(), key.project(), key.agent(),
                key.expiresAt(), key.policy(), attributionFixed);
    }

    /** {@code requested} with every setting it leaves unset taken from these bounds (a child inherits). */
    public KeySpec inherit(KeySpec requested) {
        KeyPolicy p = requested.policy();
        KeyPolicy inherited = new KeyPolicy("api", or(p.monthlyBudgetMicros(), policy.monthlyBudgetMicros()),
                or(p.maxTokensPerRequest(), policy.maxTokensPerRequest()),
                or(p.maxReasoningTokens(), policy.maxReasoningTokens()),
                p.ipAllowlist().isEmpty() ? policy.ipAllowlist() : p.ipAllowlist(),
                p.allowedDomains().isEmpty() ? policy.allowedDomains() : p.allowedDomains(),
                or(p.maxRequests(), policy.maxRequests()), or(p.maxSpendMicros(), policy.maxSpendMicros()));
        return new KeySpec(requested.name(), requested.scopes(), or(or(requested.environment(), environment), "live"),
                or(requested.costCentre(), costCentre), or(requested.project(), project), or(requested.agent(), agent),
                or(requested.expiresAt(), expiresAt), inherited);
    }

    /** Refuses (403 {@code key_exceeds_bounds}, naming the setting) a key that is not inside these bounds. */
    public void check(KeySpec key) {
        boolean manages = scopes.contains(Scopes.MANAGE) || scopes.contains(Scopes.WRITE);
        for (String s : key.scopes()) {
            boolean management = s.equals(Scopes.MANAGE) || s.equals(Scopes.WRITE) || s.equals(Scopes.READ);
            if (!Scopes.covers(scopes, s) && !(management && manages)) {
                throw exceeds("scopes", "scope " + s + " is not among " + scopes);
            }
        }
        if (attributionFixed) {
            sameAttribution("environment", environment, key.environment());
            sameAttribution("cost_centre", costCentre, key.costCentre());
            sameAttribution("project", project, key.project());
            sameAttribution("agent", agent, key.agent());
        }
        if (expiresAt != null && (key.expiresAt() == null || key.expiresAt().isAfter(expiresAt))) {
            throw exceeds("expires_at", "it must expire by " + expiresAt);
        }
        KeyPolicy p = key.policy();
        atMost("monthly_budget_cap", policy.monthlyBudgetMicros(), p.monthlyBudgetMicros());
        atMost("max_tokens_per_request", policy.maxTokensPerRequest(), p.maxTokensPerRequest());
        atMost("max_reasoning_tokens", policy.maxReasoningTokens(), p.maxReasoningTokens());
        atMost("max_requests", policy.maxRequests(), p.maxRequests());
        atMost("max_spend", policy.maxSpendMicros(), p.maxSpendMicros());
        if (!policy.ipAllowlist().isEmpty() && (p.ipAllowlist().isEmpty()
                || !p.ipAllowlist().stream().allMatch(c -> policy.ipAllowlist().stream().anyMatch(b -> within(c, b))))) {
            throw exceeds("ip_allowlist", "every entry must lie inside " + policy.ipAllowlist().stream().map(Cidr::text).toList());
        }
        if (!policy.allowedDomains().isEmpty() && (p.allowedDomains().isEmpty()
                || !p.allowedDomains().stream().allMatch(d -> policy.allowedDomains().stream().anyMatch(b -> covers(b, d))))) {
            throw exceeds("allowed_domains", "every domain must be one of " + policy.allowedDomains());
        }
    }

    /** A block inside another: at least as long a prefix, and its network address within the wider one. */
    static boolean within(Cidr inner, Cidr outer) {
        if (inner.network().length != outer.network().length || inner.prefixBits() < outer.prefixBits()) {
            return false;
        }
        try {
            return outer.contains(java.net.InetAddress.getByAddress(inner.network()));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** {@code example.com} covers itself; {@code *.example.com} covers its subdomains and narrower wildcards. */
    static boolean covers(String bound, String domain) {
        String b = bound.toLowerCase(Locale.ROOT);
        String d = domain.toLowerCase(Locale.ROOT);
        if (b.equals(d)) {
            return true;
        }
        return b.startsWith("*.") && (d.startsWith("*.") ? d.substring(1) : d).endsWith(b.substring(1));
    }

    private static void atMost(String field, Long bound, Long value) {
        if (bound != null && (value == null || value > bound)) {
            throw exceeds(field, "it must be set and at most the bound's");
        }
    }

    private static void sameAttribution(String field, String bound, String value) {
        if (bound != null && !Objects.equals(bound, value)) {
            throw exceeds(field, "cost attribution is inherited (" + bound + ") and set only by finance or administrators");
        }
    }

    private static ApiError exceeds(String field, String why) {
        return ApiError.forbidden("key_exceeds_bounds", field + ": a key may not have more power or fewer limits "
                + "than the key it comes from or than what finance or an administrator set on it; " + why);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
