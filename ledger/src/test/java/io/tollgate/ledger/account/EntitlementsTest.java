package io.tollgate.ledger.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

import io.tollgate.ledger.account.Decision.Reason;
import io.tollgate.ledger.account.Policy.KeyLimits;

class EntitlementsTest {
    private static final KeyLimits UNLIMITED = new KeyLimits(1, null, null, null);

    private static Policy policy(Policy.Uses uses, Policy.Plan plan, KeyLimits... family) {
        return new Policy(family.length == 0 ? List.of(UNLIMITED) : List.of(family), uses, Policy.RateLimits.NONE,
                Policy.RateLimits.NONE, plan);
    }

    private static Policy.Plan plan(Set<String> models, String... features) {
        return new Policy.Plan("team", false, null, null, models, List.of(features));
    }

    @Property(tries = 1)
    void theKeysModelsAreAskedBeforeThePlansAndThePlansFeaturesLast() {
        Policy p = policy(new Policy.Uses(Set.of("a", "b"), null, null), plan(Set.of("b", "c"), "chat"));
        assertEquals(Reason.MODEL_NOT_ALLOWED, Entitlements.refusal(p, "c", "chat", false).reason());
        assertEquals(Reason.MODEL_NOT_IN_PLAN, Entitlements.refusal(p, "a", "chat", false).reason());
        assertEquals(Reason.FEATURE_NOT_IN_PLAN, Entitlements.refusal(p, "b", "embeddings", false).reason());
        Decision.Refused streaming = Entitlements.refusal(p, "b", "chat", true);
        assertEquals("the team plan does not include streaming; it includes [chat]", streaming.message());
        assertNull(Entitlements.refusal(p, "b", "chat", false));
        assertTrue(Entitlements.allows(p, "b"));
        assertFalse(Entitlements.allows(p, "a"));
        assertTrue(Entitlements.allows(policy(Policy.Uses.ANY, null), "anything"));
    }

    @Property(tries = 1)
    void aCallThatSetsNoOutputBoundGetsTheKeysOrTheDefaultWrittenInOnlyWhenUsageIsCapped() {
        assertEquals(new Entitlements.Output(300, 300L), Entitlements.output(policy(new Policy.Uses(null, 300L, null), null), 0));
        assertEquals(new Entitlements.Output(Entitlements.DEFAULT_MAX_OUTPUT, null),
                Entitlements.output(policy(Policy.Uses.ANY, null), 0));
        // A budget on the key a key was made from caps its usage too.
        Policy parentBudget = policy(Policy.Uses.ANY, null, UNLIMITED, new KeyLimits(0, null, null, 5_000L));
        assertEquals(new Entitlements.Output(Entitlements.DEFAULT_MAX_OUTPUT, Entitlements.DEFAULT_MAX_OUTPUT),
                Entitlements.output(parentBudget, 0));
        Policy tokenQuota = policy(Policy.Uses.ANY, new Policy.Plan("team", false, null, 1_000L, null, List.of("chat")));
        assertTrue(tokenQuota.limitsUsage());
        assertFalse(tokenQuota.limitsSpend(), "a token quota alone does not forbid an unpriced model");
    }

    @Property
    void aCallsWorstOutputCoversWhatItAskedAndNeverPassesItsKeysLimit(@ForAll @LongRange(max = 10_000) long asked,
                                                                   @ForAll @LongRange(min = 1, max = 10_000) long max) {
        Policy p = policy(new Policy.Uses(null, max, null), null);
        Decision.Refused refused = Entitlements.outputRefusal(p, asked);
        assertEquals(asked > max, refused != null);
        if (refused == null) {
            Entitlements.Output bound = Entitlements.output(p, asked);
            assertTrue(bound.worstTokens() >= asked && bound.worstTokens() <= max, bound.toString());
        } else {
            assertEquals(Reason.OUTPUT_LIMIT_EXCEEDED, refused.reason());
        }
    }

    @Property(tries = 1)
    void reasoningOverTheKeysLimitNamesTheFieldThatAskedForIt() {
        Policy p = policy(new Policy.Uses(null, null, 1_024L), null);
        assertEquals("this key allows at most 1024 reasoning tokens (max_reasoning_tokens); thinking.budget_tokens asks "
                + "for 2048", Entitlements.reasoningRefusal(p, 2_048, "thinking.budget_tokens").message());
        assertNull(Entitlements.reasoningRefusal(p, 1_024, "reasoning.max_tokens"));
    }
}
