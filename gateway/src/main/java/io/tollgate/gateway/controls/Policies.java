package io.tollgate.gateway.controls;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.plans.Limits;
import io.tollgate.gateway.plans.Plan;
import io.tollgate.ledger.account.Policy;

/** The account kernel's {@link Policy} for a caller: gathered from its key, the keys above it, its limits and its plan. */
public final class Policies {
    private static final String MODEL_SCOPE = "model:";

    private Policies() {
    }

    /** @param plan null when the caller has none */
    public static Policy of(Principal caller, Plan plan, Limits keyLimits, Limits userLimits) {
        List<Policy.KeyLimits> family = new ArrayList<>();
        for (Principal.Ancestor member : caller.family()) {
            KeyPolicy p = member.policy();
            family.add(new Policy.KeyLimits(member.keyId(), p.maxRequests(), p.maxSpendMicros(), p.monthlyBudgetMicros()));
        }
        Set<String> models = caller.scopes().contains(Scopes.MODEL_ANY) ? null : caller.scopes().stream()
                .filter(s -> s.startsWith(MODEL_SCOPE)).map(s -> s.substring(MODEL_SCOPE.length()))
                .collect(Collectors.toUnmodifiableSet());
        Policy.Uses uses = new Policy.Uses(models, caller.policy().maxTokensPerRequest(), caller.policy().maxReasoningTokens());
        return new Policy(family, uses, keyLimits, userLimits, plan == null ? null : new Policy.Plan(plan.name(),
                plan.prepaid(), plan.monthlySpendQuotaMicros(), plan.monthlyTokenQuota(),
                plan.allowedModels() == null ? null : Set.copyOf(plan.allowedModels()), plan.features()));
    }
}
