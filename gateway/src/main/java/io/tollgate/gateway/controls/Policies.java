package io.tollgate.gateway.controls;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.plans.Limits;
import io.tollgate.gateway.plans.Plan;
import io.tollgate.ledger.account.Policy;

/** The account kernel's {@link Policy} for a caller: gathered from its key, the keys above it, its limits and its plan. */
public final class Policies {
    private Policies() {
    }

    /** @param plan null when the caller has none */
    public static Policy of(Principal caller, Plan plan, Limits keyLimits, Limits userLimits) {
        List<Policy.KeyLimits> family = new ArrayList<>();
        for (Principal.Ancestor member : caller.family()) {
            KeyPolicy p = member.policy();
            family.add(new Policy.KeyLimits(member.keyId(), p.maxRequests(), p.maxSpendMicros(), p.monthlyBudgetMicros()));
        }
        Policy.Uses uses = new Policy.Uses(caller.models(), caller.policy().maxTokensPerRequest(), caller.policy().maxReasoningTokens());
        return new Policy(family, uses, keyLimits, userLimits, plan == null ? null : new Policy.Plan(plan.name(),
                plan.prepaid(), plan.monthlySpendQuotaMicros(), plan.monthlyTokenQuota(),
                plan.allowedModels() == null ? null : Set.copyOf(plan.allowedModels()), plan.features()));
    }
}
