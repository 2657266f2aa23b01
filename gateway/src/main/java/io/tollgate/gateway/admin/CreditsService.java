package io.tollgate.gateway.admin;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.controls.Admission;
import io.tollgate.gateway.controls.Credits;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.identity.UserDirectory;
import io.tollgate.gateway.identity.UserDirectory.User;
import io.tollgate.gateway.plans.PlanCatalog;

/**
 * Credits and balances (seed 001): {@code POST /api/admin/credits} (also {@code /api/admin/add_credits}),
 * {@code GET /api/user/balance}, {@code GET /api/admin/balances} (also {@code /api/admin/balance}).
 * Balances are the gateway's live figures: credits and spend from the ledger, minus what requests in
 * flight have reserved.
 */
public final class CreditsService implements HttpService {
    /** Tollgate's fields, and seed 001's AddCreditsRequest ({@code api_key} names the account, {@code credits} in USD). */
    private static final Set<String> FIELDS = Set.of("user_id", "account_id", "amount", "reason", "idempotency_key",
            "api_key", "credits");

    private final Guard guard;
    private final Json json;
    private final UserDirectory directory;
    private final Credits credits;
    private final Admission admission;
    private final PlanCatalog plans;

    public CreditsService(Guard guard, Json json, UserDirectory directory, Credits credits, Admission admission,
                          PlanCatalog plans) {
        this.guard = guard;
        this.json = json;
        this.directory = directory;
        this.credits = credits;
        this.admission = admission;
        this.plans = plans;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/admin/credits", this::add)
                .post("/admin/add_credits", this::add)
                .get("/user/balance", this::mine)
                .get("/admin/balances", this::all)
                .get("/admin/balance", this::all);
    }

    private void add(ServerRequest req, ServerResponse res) {
        Principal admin = guard.require(req, Access.FINANCE);
        KeyInput in = new KeyInput(json.readObject(req), FIELDS);
        long userId = account(in, directory);
        User user = directory.user(userId).orElseThrow(() -> ApiError.badRequest("unknown_user", "no user " + userId));
        String amountField = in.has("credits") ? "credits" : "amount";
        if (!in.has(amountField)) {
            throw ApiError.badRequest("missing_field", "amount is required (USD, e.g. \"25.00\")");
        }
        Long amount = in.money(amountField);
        if (amount == null || amount <= 0) {
            throw ApiError.badRequest("invalid_amount", "amount must be greater than 0");
        }
        Credits.Grant grant;
        try {
            grant = credits.add(admin.userId(), user.id(), amount, in.text("reason", 500), in.text("idempotency_key", 200));
        } catch (Credits.KeyReused e) {
            throw ApiError.conflict("idempotency_key_reused", e.getMessage());
        }
        Map<String, Object> out = balanceView(user);
        out.put("added", KeyInput.usd(grant.amountMicros()));
        out.put("duplicate", grant.duplicate());
        Json.send(res, grant.duplicate() ? 200 : 201, out);
    }

    private void mine(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Map<String, Object> out = balanceView(directory.user(caller.userId()).orElseThrow());
        out.put("api_key", directory.key(caller.keyId()).map(k -> k.prefix() + "…").orElse(null));
        Json.send(res, 200, out);
    }

    private void all(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.FINANCE);
        Json.send(res, 200, directory.users().stream().map(this::balanceView).toList());
    }

    private Map<String, Object> balanceView(User user) {
        Admission.Balance b = admission.balance(user.id());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("user_id", user.id());
        out.put("account_id", Long.toString(user.id()));
        out.put("email", user.email());
        out.put("plan", user.planId());
        out.put("prepaid", plans.find(user.planId()).map(p -> p.prepaid()).orElse(false));
        out.put("status", user.disabled() ? "disabled" : "active");
        out.put("credits", KeyInput.usd(b.creditsMicros()));
        out.put("spent", KeyInput.usd(b.spentMicros()));
        out.put("reserved", KeyInput.usd(b.reservedMicros()));
        out.put("available", KeyInput.usd(b.availableMicros()));
        out.put("spent_this_month", KeyInput.usd(b.monthSpentMicros()));
        out.put("currency", "USD");
        return out;
    }

    private static long account(KeyInput in, UserDirectory directory) {
        Long userId = in.count("user_id", 1);
        String accountId = in.text("account_id", 32);
        String apiKey = in.text("api_key", 200);
        if ((userId == null ? 0 : 1) + (accountId == null ? 0 : 1) + (apiKey == null ? 0 : 1) != 1) {
            throw ApiError.badRequest("missing_field", "give exactly one of user_id, account_id or api_key");
        }
        if (apiKey != null) {
            return directory.keyBySecret(apiKey).orElseThrow(() -> ApiError.badRequest("unknown_key",
                    "no key matches api_key")).userId();
        }
        if (userId != null) {
            return userId;
        }
        try {
            return Long.parseLong(accountId);
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("unknown_account", "no account " + accountId);
        }
    }
}
