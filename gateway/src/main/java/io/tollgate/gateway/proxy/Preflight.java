package io.tollgate.gateway.proxy;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.controls.LimitBook;
import io.tollgate.gateway.controls.Policies;
import io.tollgate.gateway.controls.Refusal;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.plans.Limits;
import io.tollgate.gateway.plans.Plan;
import io.tollgate.gateway.plans.PlanCatalog;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.UserProviderKeys;
import io.tollgate.gateway.routing.ModelCatalog;
import io.tollgate.gateway.routing.Router;
import io.tollgate.gateway.telemetry.Tracing;
import io.tollgate.ledger.account.Ask;
import io.tollgate.ledger.account.Decision;
import io.tollgate.ledger.account.Entitlements;
import io.tollgate.ledger.account.Policy;
import io.tollgate.ledger.money.Micros;

/**
 * Everything that happens before a call's first upstream byte: the model the caller may use, the
 * deployments to try, a ledger able to record the call, the output capped, the prompt counted, and
 * admission (the account kernel's decision) holding back the worst case. Every "no" here costs
 * nothing upstream.
 */
public final class Preflight {
    /** A call cleared to go; closing its ticket releases what admission held back. */
    record Cleared(ModelCatalog.Model model, List<ModelRoute> candidates, long promptTokens, Admission.Ticket ticket) {
    }

    private final ModelCatalog catalog;
    private final Router router;
    private final PlanCatalog plans;
    private final LimitBook limits;
    private final Admission admission;
    private final UserProviderKeys userKeys;
    private final UsageLedger ledger;
    private final TokenCounter tokens;
    private final MeterRegistry meters;
    private final Tracing tracing;

    public Preflight(ModelCatalog catalog, Router router, PlanCatalog plans, LimitBook limits, Admission admission,
                     UserProviderKeys userKeys, UsageLedger ledger, TokenCounter tokens, MeterRegistry meters,
                     Tracing tracing) {
        this.catalog = catalog;
        this.router = router;
        this.plans = plans;
        this.limits = limits;
        this.admission = admission;
        this.userKeys = userKeys;
        this.ledger = ledger;
        this.tokens = tokens;
        this.meters = meters;
        this.tracing = tracing;
    }

    /** @param useFallbacks false: only the model's own deployments (seed 002's {@code use_fallback: false}) */
    Cleared clear(Principal caller, ProxyRequest request, List<String> requestFallbacks, boolean useFallbacks) {
        Plan plan = plans.find(caller.planId()).orElse(null);
        Limits userLimits = plan == null ? limits.forUser(caller.userId()) : plan.limits().overriddenBy(limits.forUser(caller.userId()));
        Policy policy = Policies.of(caller, plan, limits.forKey(caller.keyId()), userLimits);
        ModelCatalog.Model model = resolve(policy, request);
        List<ModelRoute> candidates = candidates(caller, policy, request, model, requestFallbacks, useFallbacks);
        if (!ledger.accepting()) {
            throw ApiError.unavailable("ledger_unavailable", "the usage ledger is unavailable; no upstream call was made");
        }
        if (ledger.behind()) {
            throw ApiError.overloaded("the usage ledger is more than " + UsageLedger.MAX_BACKLOG.toMillis()
                    + " ms behind; no upstream call was made; retry shortly");
        }
        long worstOutput = OutputCap.apply(policy, request);
        long prompt = tokens.prompt(request);
        // Whichever deployment serves, the reservation covers it.
        long worstCost = candidates.stream().mapToLong(r -> Micros.cost(prompt, worstOutput,
                r.inputMicrosPerMillion(), r.outputMicrosPerMillion())).max().orElse(0);
        Ask ask = new Ask(prompt, prompt + worstOutput, worstCost);
        return new Cleared(model, candidates, prompt,
                tracing.inSpan("tollgate.admission", () -> admitted(caller.userId(), policy, ask)));
    }

    /** Admission's answer; a refusal is counted by its reason (budgets and credits running out are alerted on). */
    private Admission.Ticket admitted(long userId, Policy policy, Ask ask) {
        try {
            return admission.admit(userId, policy, ask);
        } catch (Refusal refused) {
            Counter.builder("tollgate_admission_refusals").description("Calls refused before any upstream call, by reason")
                    .tags("reason", refused.refused().reason().code()).register(meters).increment();
            throw Refusals.toHttp(refused.refused());
        }
    }

    /**
     * The requested model, which the caller must be allowed and which must be available: 400 for a model
     * nobody serves, 403 for one the key or plan excludes, 503 for one unloaded or whose provider is off.
     */
    private ModelCatalog.Model resolve(Policy policy, ProxyRequest request) {
        ModelCatalog.Model model = catalog.model(request.model()).orElseThrow(() -> new ApiError(400,
                "invalid_request_error", "model_not_found", "The model '" + request.model() + "' does not exist"));
        Decision.Refused excluded = Entitlements.refusal(policy, model.modelId(), request.endpoint().feature(),
                request.stream());
        if (excluded != null) {
            throw Refusals.toHttp(excluded);
        }
        if (!model.available()) {
            throw ApiError.unavailable("model_unloaded", "model " + model.modelId() + " is unloaded; load it with "
                    + "POST /v1/models/" + model.modelId() + "/load");
        }
        if (catalog.deployments(model.modelId()).isEmpty()) {
            throw ApiError.unavailable("provider_disabled", "no enabled provider serves " + model.modelId());
        }
        return model;
    }

    /**
     * The deployments to try, in order: the model's, then its fallbacks' (the model's configured chain, then
     * the client's {@value ProxyService#FALLBACKS_HEADER}), each as the router orders them; through the caller's own key
     * where they stored one. Deployments that cannot serve this endpoint are left out; so is an unpriced one
     * for a caller whose money is limited (a budget, a spend limit, prepaid credit or a spend quota), which
     * gets 403 {@code model_unpriced} if nothing priced is left: no limit is escaped through a missing price.
     */
    private List<ModelRoute> candidates(Principal caller, Policy policy, ProxyRequest request, ModelCatalog.Model model,
                                        List<String> requestFallbacks, boolean useFallbacks) {
        List<String> chain = new ArrayList<>(List.of(model.modelId()));
        for (String f : useFallbacks ? concat(model.fallbacks(), requestFallbacks) : List.<String>of()) {
            if (!chain.contains(f)) {
                chain.add(f);
            }
        }
        boolean moneyLimited = policy.limitsSpend();
        List<ModelRoute> out = new ArrayList<>();
        boolean unpricedLeftOut = false;
        boolean endpointLeftOut = false;
        for (String name : chain) {
            ModelCatalog.Model m = name.equals(model.modelId()) ? model : catalog.model(name).orElse(null);
            if (m == null || !m.available() || !Entitlements.allows(policy, m.modelId())) {
                continue;
            }
            for (ModelRoute r : router.order(m, catalog.deployments(m.modelId()))) {
                String own = userKeys.keyFor(caller.userId(), r.provider().id());
                ModelRoute route = own == null ? r : r.withOwnKey(own);
                if (!route.provider().dialect().equals(request.endpoint().providerType())
                        && Wire.of(request, route) == Wire.DIRECT) {
                    endpointLeftOut = true;
                } else if (!route.priced() && moneyLimited) {
                    unpricedLeftOut = true;
                } else {
                    out.add(route);
                }
            }
        }
        if (out.isEmpty() && unpricedLeftOut) {
            throw ApiError.forbidden("model_unpriced", "model " + model.modelId() + " has no price yet; a key with a "
                    + "budget or spend limit, or an account on prepaid credit or a spend quota, cannot use it until an "
                    + "administrator prices it (PUT /api/models/" + model.modelId() + "/price)");
        }
        if (out.isEmpty() && endpointLeftOut) {
            ModelRoute any = catalog.deployments(model.modelId()).getFirst();
            throw ApiError.badRequest("wrong_endpoint", "model " + model.modelId() + " is served by an "
                    + any.provider().type() + " provider; call "
                    + ("anthropic".equals(any.provider().dialect()) ? "/v1/messages" : "/v1/chat/completions"));
        }
        if (out.isEmpty()) {
            throw ApiError.unavailable("no_deployment", "every deployment of " + model.modelId()
                    + " is cooling down after failures or at its rate limit; retry shortly");
        }
        return out;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
