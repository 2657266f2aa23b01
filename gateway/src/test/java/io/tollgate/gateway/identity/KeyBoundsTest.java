package io.tollgate.gateway.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.tollgate.gateway.auth.Cidr;
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.identity.UserDirectory.KeySpec;

class KeyBoundsTest {
    private static final Instant EXPIRY = Instant.parse("2030-01-01T00:00:00Z");
    private static final KeyBounds PARENT = new KeyBounds(Set.of("completion:invoke", "model:any"), "live", "R&D", null,
            null, EXPIRY, new KeyPolicy("api", 1_000_000L, 512L, null, List.of(Cidr.parse("10.0.0.0/8")),
            List.of("*.acme.io"), null, null), true);

    private static KeySpec spec(Set<String> scopes, Long budget, List<Cidr> ips, List<String> domains, Instant expires,
                                String costCentre) {
        return new KeySpec("child", scopes, null, costCentre, null, null, expires,
                new KeyPolicy("api", budget, null, null, ips, domains, null, null));
    }

    @Test
    void whatAChildLeavesUnsetItInheritsAndTheResultIsInsideTheBounds() {
        KeySpec child = PARENT.inherit(spec(Set.of("model:gpt-4o"), null, List.of(), List.of(), null, null));
        assertEquals(1_000_000L, child.policy().monthlyBudgetMicros());
        assertEquals(512L, child.policy().maxTokensPerRequest());
        assertEquals("R&D", child.costCentre());
        assertEquals("live", child.environment());
        assertEquals(EXPIRY, child.expiresAt());
        PARENT.check(child);
    }

    @Test
    void anythingWiderThanTheBoundsIsRefusedNamingTheSetting() {
        record Case(String field, KeySpec spec) {
        }
        for (Case c : List.of(
                new Case("scopes", spec(Set.of("model:write"), null, List.of(), List.of(), null, null)),
                new Case("monthly_budget_cap", spec(Set.of("model:any"), 2_000_000L, List.of(), List.of(), null, null)),
                new Case("ip_allowlist", spec(Set.of("model:any"), null, List.of(Cidr.parse("0.0.0.0/0")), List.of(), null, null)),
                new Case("allowed_domains", spec(Set.of("model:any"), null, List.of(), List.of("evil.io"), null, null)),
                new Case("expires_at", spec(Set.of("model:any"), null, List.of(), List.of(), EXPIRY.plusSeconds(1), null)),
                new Case("cost_centre", spec(Set.of("model:any"), null, List.of(), List.of(), null, "Finance")))) {
            ApiError e = assertThrows(ApiError.class, () -> PARENT.check(PARENT.inherit(c.spec())), c.field());
            assertEquals("key_exceeds_bounds", e.code());
            assertTrue(e.getMessage().startsWith(c.field()), e.getMessage());
        }
    }

    @Test
    void narrowerBlocksAndDomainsAreInside() {
        assertTrue(KeyBounds.within(Cidr.parse("10.1.0.0/16"), Cidr.parse("10.0.0.0/8")));
        assertTrue(KeyBounds.within(Cidr.parse("10.1.2.3"), Cidr.parse("10.0.0.0/8")));
        assertFalse(KeyBounds.within(Cidr.parse("10.0.0.0/7"), Cidr.parse("10.0.0.0/8")));
        assertFalse(KeyBounds.within(Cidr.parse("11.0.0.0/8"), Cidr.parse("10.0.0.0/8")));
        assertTrue(KeyBounds.covers("*.acme.io", "api.acme.io"));
        assertTrue(KeyBounds.covers("*.acme.io", "*.eu.acme.io"));
        assertFalse(KeyBounds.covers("*.acme.io", "acme.io.evil.com"));
        assertFalse(KeyBounds.covers("acme.io", "api.acme.io"));
    }
}
