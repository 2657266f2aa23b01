package io.tollgate.ledger.projection;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.TreeMap;

import io.tollgate.ledger.account.Account;
import io.tollgate.ledger.account.Months;

import io.tollgate.ledger.events.ApiKeyCreated;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.DefaultModelSet;
import io.tollgate.ledger.events.KeyRevoked;
import io.tollgate.ledger.events.KeyRotated;
import io.tollgate.ledger.events.KeyUpdated;
import io.tollgate.ledger.events.LimitsSet;
import io.tollgate.ledger.events.LoginLockedOut;
import io.tollgate.ledger.events.PasswordChanged;
import io.tollgate.ledger.events.PlanAssigned;
import io.tollgate.ledger.events.LedgerEvent;
import io.tollgate.ledger.events.ModelRegistered;
import io.tollgate.ledger.events.ProviderKeyRemoved;
import io.tollgate.ledger.events.ProviderKeySet;
import io.tollgate.ledger.events.ProviderModelsRefreshed;
import io.tollgate.ledger.events.ProviderRegistered;
import io.tollgate.ledger.events.ProviderRemoved;
import io.tollgate.ledger.events.DeploymentAdded;
import io.tollgate.ledger.events.DeploymentChanged;
import io.tollgate.ledger.events.ModelRoutingSet;
import io.tollgate.ledger.events.ModelPriceSet;
import io.tollgate.ledger.events.ModelAvailabilityChanged;
import io.tollgate.ledger.events.ProviderUpdated;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.events.SessionClosed;
import io.tollgate.ledger.events.SessionOpened;
import io.tollgate.ledger.events.UserCreated;
import io.tollgate.ledger.events.UserUpdated;
import io.tollgate.ledger.projection.Rows.AuditEntry;
import io.tollgate.ledger.projection.Rows.DimensionKey;
import io.tollgate.ledger.projection.Rows.MonthKey;
import io.tollgate.ledger.projection.Rows.UsageRow;
import io.tollgate.ledger.account.Balance;
import io.tollgate.ledger.projection.Rows.PromptKey;
import io.tollgate.ledger.projection.Rows.PromptStats;
import io.tollgate.ledger.projection.Rows.Spend;
import io.tollgate.ledger.projection.Rows.SpendKey;
import io.tollgate.ledger.projection.Rows.SpendMonthKey;

/**
 * The one definition of how events become read models: {@code (state, event) -> state}, with no I/O.
 * The live projector, replay and the tests all run this code, so they cannot drift apart.
 * (State is updated in place and returned, because replay applies millions of events.)
 *
 * <p>Everything but the waste model is a sum, so the order of events only matters within one
 * account, which Kafka preserves (events are keyed by account).
 */
public final class Projection {
    private final Duration wasteWindow;

    /** @param wasteWindow a prompt seen again within this time of its previous occurrence is a repeat */
    public Projection(Duration wasteWindow) {
        this.wasteWindow = wasteWindow;
    }

    public ReadModels apply(ReadModels state, RecordedEvent recorded) {
        LedgerEvent event = recorded.event();
        switch (event) {
            case UsageRecorded u -> {
                usage(state, recorded, u);
                money(state, recorded);
            }
            case CreditsAdded c -> {
                money(state, recorded);
                audit(state, recorded, c.actorUserId(), "credits.added", "account", c.accountId(),
                        "amount_micros=" + c.amountMicros() + " reason=" + c.reason());
            }
            case UserCreated u -> audit(state, recorded, u.actorUserId(), "user.created", "user",
                    Long.toString(u.userId()), "email=" + u.email() + " role=" + u.role());
            case ApiKeyCreated k -> audit(state, recorded, k.actorUserId(), "key.created", "key",
                    Long.toString(k.keyId()), "prefix=" + k.prefix() + " scopes=" + String.join(",", k.scopes()));
            case KeyRevoked k -> audit(state, recorded, k.actorUserId(), "key.revoked", "key",
                    Long.toString(k.keyId()), "reason=" + k.reason());
            case ProviderRegistered p -> audit(state, recorded, p.actorUserId(), "provider.registered", "provider",
                    Long.toString(p.providerId()), "name=" + p.name() + " type=" + p.type() + " base_url=" + p.baseUrl());
            case ProviderUpdated p -> audit(state, recorded, p.actorUserId(), "provider.updated", "provider",
                    Long.toString(p.providerId()), "base_url=" + p.baseUrl() + " enabled=" + p.enabled()
                            + " api_key_changed=" + p.apiKeyChanged());
            case DeploymentAdded d -> audit(state, recorded, d.actorUserId(), "deployment.added", "model", d.modelName(),
                    "deployment=" + d.name() + " provider=" + d.providerId() + " upstream=" + d.upstreamName()
                            + " weight=" + d.weight() + " priority=" + d.priority());
            case DeploymentChanged d -> audit(state, recorded, d.actorUserId(), d.removed() ? "deployment.removed"
                    : "deployment.changed", "model", d.modelName(), "deployment=" + d.name() + " " + new TreeMap<>(d.changes()));
            case ModelRoutingSet m -> audit(state, recorded, m.actorUserId(), "model.routing_set", "model", m.modelName(),
                    "strategy=" + m.strategy() + " fallbacks=" + String.join(",", m.fallbacks()));
            case ModelPriceSet m -> audit(state, recorded, m.actorUserId(), "model.priced", "model", m.modelName(),
                    "input_micros_per_million=" + m.inputMicrosPerMillion() + " output_micros_per_million="
                            + m.outputMicrosPerMillion() + " effective_at=" + m.effectiveAt());
            case ModelAvailabilityChanged m -> audit(state, recorded, m.actorUserId(), m.available() ? "model.loaded"
                    : "model.unloaded", "model", m.modelName(), "forced=" + m.forced());
            case ProviderRemoved p -> audit(state, recorded, p.actorUserId(), "provider.removed", "provider",
                    Long.toString(p.providerId()), "name=" + p.name() + " models=" + String.join(",", p.models()));
            case ProviderModelsRefreshed p -> audit(state, recorded, p.actorUserId(), "provider.models_refreshed",
                    "provider", Long.toString(p.providerId()), "models=" + p.upstreamModels().size());
            case ModelRegistered m -> audit(state, recorded, m.actorUserId(), "model.registered", "model",
                    m.modelName(), "input_micros_per_million=" + m.inputMicrosPerMillion()
                            + " output_micros_per_million=" + m.outputMicrosPerMillion() + " free=" + m.free());
            case KeyUpdated k -> audit(state, recorded, k.actorUserId(), "key.updated", "key",
                    Long.toString(k.keyId()), new TreeMap<>(k.changes()).toString());
            case KeyRotated k -> audit(state, recorded, k.actorUserId(), "key.rotated", "key",
                    Long.toString(k.keyId()), "new_prefix=" + k.newPrefix() + " grace_seconds=" + k.graceSeconds());
            case LimitsSet l -> audit(state, recorded, l.actorUserId(), "limits.set", l.subject(),
                    Long.toString(l.subjectId()), new TreeMap<>(l.limits()).toString());
            case PlanAssigned p -> audit(state, recorded, p.actorUserId(), "plan.assigned", "user",
                    Long.toString(p.userId()), "plan=" + p.planId() + " previous=" + p.previousPlanId());
            case PasswordChanged p -> audit(state, recorded, p.actorUserId(), "user.password_changed", "user",
                    Long.toString(p.userId()), "");
            case DefaultModelSet d -> audit(state, recorded, d.actorUserId(), "model.default_set", "model",
                    d.modelId(), "modality=" + d.modality());
            case ProviderKeySet k -> audit(state, recorded, k.actorUserId(), "provider_key.set", "provider",
                    Long.toString(k.providerId()), "user=" + k.userId());
            case ProviderKeyRemoved k -> audit(state, recorded, k.actorUserId(), "provider_key.removed", "provider",
                    Long.toString(k.providerId()), "user=" + k.userId());
            case UserUpdated u -> audit(state, recorded, u.actorUserId(), "user.updated", "user",
                    Long.toString(u.userId()), new TreeMap<>(u.changes()).toString());
            case SessionOpened o -> audit(state, recorded, o.userId(), "auth.login", "user", Long.toString(o.userId()),
                    "method=" + o.method());
            case SessionClosed o -> audit(state, recorded, o.userId(), "auth.logout", "user", Long.toString(o.userId()), "");
            case LoginLockedOut o -> audit(state, recorded, o.userId(), "auth.locked_out", "user", Long.toString(o.userId()),
                    "failures=" + o.failures() + " until=" + o.until());
        }
        state.lastSeq = Math.max(state.lastSeq, recorded.seq());
        return state;
    }

    /**
     * Drops rate windows past their granularity's retention, counted back from the newest minute
     * window; {@link ReadModelStore#save} applies the same rule in SQL to the stored windows.
     */
    public static ReadModels dropExpiredWindows(ReadModels state) {
        state.rateWindows.dropExpired();
        return state;
    }

    private void usage(ReadModels state, RecordedEvent recorded, UsageRecorded u) {
        Instant at = recorded.occurredAt();
        // One String object per distinct account and label: memory and key comparisons stay cheap
        // when replay holds millions of rows made of the same few values.
        String account = state.intern(u.accountId());
        String model = state.intern(u.model());
        String projectOrNull = state.intern(u.project());
        String costCentreOrNull = state.intern(u.costCentre());
        String environmentOrNull = state.intern(u.environment());
        String agentOrNull = state.intern(u.agent());
        String project = text(projectOrNull);
        String costCentre = text(costCentreOrNull);
        String environment = text(environmentOrNull);
        String agent = text(agentOrNull);

        state.rateWindows.addToAll("key", u.keyId(), at.getEpochSecond(), 1, u.totalTokens());
        state.rateWindows.addToAll("user", u.userId(), at.getEpochSecond(), 1, u.totalTokens());

        boolean repeat = prompt(state, account, model, at, u);
        SpendKey cell = new SpendKey(LocalDate.ofEpochDay(Math.floorDiv(at.getEpochSecond(), 86_400)), u.userId(),
                u.keyId(), project, costCentre, environment, agent, model);
        Spend call = new Spend(1, u.promptTokens(), u.completionTokens(), u.costMicros(), u.latencyMs(), u.messages(),
                repeat ? 1 : 0, repeat ? u.costMicros() : 0);
        state.spend.merge(cell, call, Spend::plus);
        YearMonth month = YearMonth.from(cell.day());
        state.spendMonths.merge(new SpendMonthKey(month, u.userId(), project, costCentre, environment, model), call,
                Spend::plus);
        state.spendDimensions.merge(new DimensionKey(month, costCentre, environment, "user", account), call, Spend::plus);
        state.spendDimensions.merge(new DimensionKey(month, costCentre, environment, "project", project), call,
                Spend::plus);
        state.spendDimensions.merge(new DimensionKey(month, costCentre, environment, "model", model), call, Spend::plus);
        state.usage.put(recorded.seq(), new UsageRow(at, u.requestId(), u.userId(), u.keyId(), model,
                state.intern(u.provider()), state.intern(u.endpoint()), u.streamed(), u.promptTokens(),
                u.completionTokens(), u.costMicros(), u.latencyMs(), u.upstreamStatus(), u.tokensEstimated(),
                costCentreOrNull, projectOrNull, environmentOrNull, agentOrNull, u.messages(),
                u.deployment() == null ? null : state.intern(u.deployment()), u.unpriced()));
    }

    /** Counts the prompt's occurrence; true when it repeats one seen within the waste window. */
    private boolean prompt(ReadModels state, String account, String model, Instant at, UsageRecorded u) {
        if (u.promptHash() == null || u.upstreamStatus() != 200) {
            return false;
        }
        PromptKey key = new PromptKey(account, u.promptHash(), model);
        PromptStats p = state.prompts.get(key);
        if (p == null) {
            state.prompts.put(key, new PromptStats(at, at, 1, 0, 0));
            return false;
        }
        boolean repeat = !at.isAfter(p.lastSeen().plusSeconds(wasteWindow.getSeconds()).plusNanos(wasteWindow.getNano()));
        state.prompts.put(key, new PromptStats(p.firstSeen(), at.isAfter(p.lastSeen()) ? at : p.lastSeen(),
                p.occurrences() + 1, p.repeats() + (repeat ? 1 : 0), Math.addExact(p.wastedMicros(), repeat ? u.costMicros() : 0)));
        return repeat;
    }

    /** The account's balance and its row for the month the event occurred in, folded through the account kernel. */
    private static void money(ReadModels state, RecordedEvent e) {
        String account = state.intern(e.accountId());
        state.balances.put(account, Account.evolve(state.balances.getOrDefault(account, Balance.ZERO), e.event()));
        MonthKey month = new MonthKey(account, Months.of(e.occurredAt()));
        state.months.put(month, Account.evolve(state.months.get(month), e));
    }

    private static void audit(ReadModels state, RecordedEvent e, Long actor, String action, String targetType,
                              String targetId, String details) {
        state.audit.put(e.seq(), new AuditEntry(e.occurredAt(), actor, action, targetType, targetId, e.accountId(),
                "success", details));
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }
}
