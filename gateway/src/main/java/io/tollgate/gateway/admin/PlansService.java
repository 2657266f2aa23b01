package io.tollgate.gateway.admin;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.plans.Plan;
import io.tollgate.gateway.plans.PlanCatalog;
import io.tollgate.gateway.reports.Breakdown;

/**
 * Plans and environments (seed 001): the plan catalogue, assigning a plan, a user's plan, its usage
 * against the plan's quota, its entitlements, and usage broken down by key environment.
 */
public final class PlansService implements HttpService {
    private final Guard guard;
    private final Json json;
    private final Db db;
    private final UserDirectory directory;
    private final PlanCatalog plans;
    private final Admission admission;

    public PlansService(Guard guard, Json json, Db db, UserDirectory directory, PlanCatalog plans, Admission admission) {
        this.guard = guard;
        this.json = json;
        this.db = db;
        this.directory = directory;
        this.plans = plans;
        this.admission = admission;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/plans", (req, res) -> {
                    guard.require(req, Access.OWN_READ);
                    Json.send(res, 200, plans.all().stream().map(PlansService::view).toList());
                })
                .get("/plans/{id}", (req, res) -> {
                    guard.require(req, Access.OWN_READ);
                    String id = req.path().pathParameters().get("id");
                    Json.send(res, 200, view(plans.find(id).orElseThrow(() -> ApiError.notFound("no plan " + id))));
                })
                .post("/admin/assign-plan", this::assign)
                .get("/user/plan", this::mine)
                .get("/user/plan/usage", this::usage)
                .get("/user/plan/entitlements", this::entitlements)
                .get("/user/environment-usage", this::environments);
    }

    private void assign(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.ADMIN);
        KeyInput in = new KeyInput(json.readObject(req), Set.of("user_id", "plan_id"));
        Long userId = in.count("user_id", 1);
        if (userId == null) {
            throw ApiError.badRequest("missing_field", "user_id is required");
        }
        String planId = in.text("plan_id", 64);
        if (planId != null && plans.find(planId).isEmpty()) {
            throw ApiError.badRequest("unknown_plan", "no plan " + planId + "; plans are "
                    + plans.all().stream().map(Plan::id).toList());
        }
        UserDirectory.User user = directory.assignPlan(admin.userId(), userId, planId);
        Json.send(res, 200, Map.of("user_id", user.id(), "plan_id", planId == null ? "" : planId));
    }

    private void mine(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user_id", caller.userId());
        out.put("plan", plans.find(caller.planId()).map(PlansService::view).orElse(null));
        Json.send(res, 200, out);
    }

    private void usage(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Plan plan = plans.find(caller.planId()).orElse(null);
        Admission.Balance b = admission.balance(caller.userId());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user_id", caller.userId());
        out.put("plan_id", caller.planId());
        out.put("month", YearMonth.now(ZoneOffset.UTC).toString());
        out.put("tokens_used", b.monthTokens());
        out.put("token_quota", plan == null ? null : plan.monthlyTokenQuota());
        out.put("spend", KeyInput.usd(b.monthSpentMicros()));
        out.put("spend_quota", plan == null ? null : KeyInput.usd(plan.monthlySpendQuotaMicros()));
        out.put("limits", plan == null ? Map.of() : plan.limits().asMap());
        Json.send(res, 200, out);
    }

    private void entitlements(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Plan plan = plans.find(caller.planId()).orElse(null);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("plan_id", caller.planId());
        // Without a plan nothing is restricted by plan.
        out.put("features", plan == null ? null : plan.features());
        out.put("allowed_models", plan == null ? null : plan.allowedModels());
        req.query().first("feature").ifPresent(f -> {
            out.put("feature", f);
            out.put("entitled", plan == null || plan.hasFeature(f));
        });
        Json.send(res, 200, out);
    }

    /** From the projector's spend roll-ups: requests, tokens and cost per key environment. */
    private void environments(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        List<Map<String, Object>> rows = db.read(c -> Breakdown.of(c, caller.userId(), "environment", null, null));
        Json.send(res, 200, Map.of("user_id", caller.userId(), "environments", rows));
    }

    static Map<String, Object> view(Plan p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("name", p.name());
        m.put("description", p.description());
        m.put("prepaid", p.prepaid());
        m.put("monthly_token_quota", p.monthlyTokenQuota());
        m.put("monthly_spend_quota", KeyInput.usd(p.monthlySpendQuotaMicros()));
        m.put("allowed_models", p.allowedModels());
        m.put("features", p.features());
        m.put("limits", p.limits().asMap());
        return m;
    }
}
