package io.tollgate.gateway.plans;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;

import org.junit.jupiter.api.Test;

class LimitsTest {
    @Test
    void aUsersOwnLimitsOverrideItsPlansOneByOne() {
        Limits plan = new Limits(60L, 2000L, null, 200_000L, null, null);
        Limits user = new Limits(100_000L, null, null, null, null, 5L);
        assertEquals(new Limits(100_000L, 2000L, null, 200_000L, null, 5L), plan.overriddenBy(user));
        assertEquals(plan, plan.overriddenBy(Limits.NONE));
    }

    @Test
    void onlySetLimitsAppearInTheirMap() {
        assertEquals(Map.of("requests_per_minute", 60L, "tokens_per_day", 9L),
                new Limits(60L, null, null, null, null, 9L).asMap());
    }
}
