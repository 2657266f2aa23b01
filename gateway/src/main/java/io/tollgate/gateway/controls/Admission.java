package io.tollgate.gateway.controls;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.plans.Limits;
import io.tollgate.gateway.plans.Plan;
import io.tollgate.ledger.events.ApiKeyCreated;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.money.Micros;
import io.tollgate.ledger.projection.Rows.Granularity;
import io.tollgate.ledger.store.AccountTotals;

/**
 * Decides, before any upstream call, whether a request may go ahead, and holds back its worst-case
 * cost while it runs. All checks of one account (its keys' usage limits, rate windows, monthly
 * budgets, plan quota and prepaid credit) happen under the account's lock together with the
 * reservation, so concurrent requests cannot all pass a check that only one of them fits: no
 * overspend on one instance. After the reply the reservation is settled to the real cost.
 *
 * <p>State starts from the ledger (summed as of the follower's position) and then follows it: other
 * instances' usage and every credit top-up arrive through {@link LedgerFollower}; this instance's own
 * usage is counted when it settles, and its events are skipped when the follower reads them.
 */
public final class Admission {
    /** What a request may cost at most, and what it counts against. Limits null = none. */
    public record Ask(Principal caller, Plan plan, Limits keyLimits, Limits userLimits, long promptTokens,
                      long worstTokens, long worstCostMicros) {
    }

    public record Balance(long creditsMicros, long spentMicros, long reservedMicros, long monthSpentMicros,
                          long monthTokens) {
        public long availableMicros() {
            return creditsMicros - spentMicros - reservedMicros;
        }
    }

    /** Requests and tokens used in one window, with its limit (null: none) and when it resets. */
    public record WindowUsage(String subject, Granularity granularity, long requests, Long requestLimit, long tokens,
                              Long tokenLimit, Instant resetsAt) {
    }

    private final Db db;
    private final LedgerFollower follower;
    private final Clock clock;
    private final ConcurrentHashMap<Long, Account> accounts = new ConcurrentHashMap<>();
    private final Set<UUID> own = ConcurrentHashMap.newKeySet();
    /** Deeper than any real chain of keys made from keys; stops a walk should the data ever loop. */
    private static final int MAX_LINEAGE = 64;

    public Admission(Db db, LedgerFollower follower, Clock clock) {
        this.db = db;
        this.follower = follower;
        this.clock = clock;
        follower.listen(this::apply);
    }

    /**
     * Admits the request and reserves its worst case, or refuses it with the status that says why. A key
     * created from another key counts against that key's limits too: the whole family stays inside them.
     */
    public Ticket admit(Ask ask) {
        Principal caller = ask.caller();
        Account a = account(caller.userId());
        Instant now = clock.instant();
        List<Principal.Ancestor> family = caller.family();
        synchronized (a) {
            a.roll(now);
            for (int i = 0; i + 1 < family.size(); i++) {
                a.parents.putIfAbsent(family.get(i).keyId(), family.get(i + 1).keyId());
            }
            KeyState k = a.key(caller.keyId(), now);
            List<KeyState> states = new ArrayList<>(family.size());
            for (Principal.Ancestor member : family) {
                KeyState state = a.key(member.keyId(), now);
                checkKeyUsage(member.policy(), state, ask.worstCostMicros());
                states.add(state);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            rateLimit(ask, a, k, now, headers);
            for (int i = 0; i < family.size(); i++) {
                checkBudget(family.get(i).policy().monthlyBudgetMicros(), states.get(i), ask.worstCostMicros(), now);
            }
            checkPlan(ask, a, now);
            a.reserved = Math.addExact(a.reserved, ask.worstCostMicros());
            a.reservedTokens = Math.addExact(a.reservedTokens, ask.worstTokens());
            for (KeyState state : states) {
                state.reserved = Math.addExact(state.reserved, ask.worstCostMicros());
                state.reservedRequests++;
            }
            a.windows.add(now, 1, 0);
            k.windows.add(now, 1, 0);
            return new Ticket(a, k.id, states, ask, headers);
        }
    }

    public Balance balance(long userId) {
        Account a = account(userId);
        synchronized (a) {
            a.roll(clock.instant());
            return new Balance(a.credits, a.spent, a.reserved, a.monthSpent, a.monthTokens);
        }
    }

    /** The windows of a user and one of its keys with their limits, for {@code GET /api/user/limit}. */
    public java.util.List<WindowUsage> windows(long userId, long keyId, Limits keyLimits, Limits userLimits) {
        Account a = account(userId);
        Instant now = clock.instant();
        java.util.List<WindowUsage> out = new java.util.ArrayList<>();
        synchronized (a) {
            KeyState k = a.key(keyId, now);
            for (Granularity g : Granularity.values()) {
                out.add(new WindowUsage("key", g, k.windows.requests(g, now), keyLimits.requests(g),
                        k.windows.tokens(g, now), keyLimits.tokens(g), Windows.end(g, now)));
            }
            for (Granularity g : Granularity.values()) {
                out.add(new WindowUsage("user", g, a.windows.requests(g, now), userLimits.requests(g),
                        a.windows.tokens(g, now), userLimits.tokens(g), Windows.end(g, now)));
            }
        }
        return out;
    }

    private static void checkKeyUsage(KeyPolicy policy, KeyState k, long worstCost) {
        if (policy.maxRequests() != null && k.requests + k.reservedRequests >= policy.maxRequests()) {
            throw new Refusal(Refusal.Reason.KEY_USAGE_LIMIT_REACHED, "key " + k.id + " has used all of its "
                    + policy.maxRequests() + " requests", null, null);
        }
        if (policy.maxSpendMicros() != null && k.spent + k.reserved + worstCost > policy.maxSpendMicros()) {
            throw new Refusal(Refusal.Reason.KEY_USAGE_LIMIT_REACHED, "the spend limit of key " + k.id + ", "
                    + Micros.toDecimal(policy.maxSpendMicros()).toPlainString() + " USD, does not cover this request",
                    null, null);
        }
    }

    private static void rateLimit(Ask ask, Account a, KeyState k, Instant now, Map<String, String> headers) {
        Tightest requests = new Tightest();
        Tightest tokens = new Tightest();
        for (Granularity g : Granularity.values()) {
            check("key", g, ask.keyLimits(), k.windows, ask.promptTokens(), now, requests, tokens);
            check("user", g, ask.userLimits(), a.windows, ask.promptTokens(), now, requests, tokens);
        }
        requests.write("requests", headers, now);
        tokens.write("tokens", headers, now);
    }

    private static void check(String subject, Granularity g, Limits limits, Windows w, long promptTokens, Instant now,
                              Tightest requests, Tightest tokens) {
        Long rl = limits.requests(g);
        if (rl != null) {
            long used = w.requests(g, now);
            if (used + 1 > rl) {
                throw tooMany(subject + " limit of " + rl + " requests per " + unit(g) + " reached", g, now,
                        rl, "requests");
            }
            requests.offer(rl, rl - used - 1, g);
        }
        Long tl = limits.tokens(g);
        if (tl != null) {
            long used = w.tokens(g, now);
            if (used + promptTokens > tl) {
                throw tooMany(subject + " limit of " + tl + " tokens per " + unit(g) + " reached (" + used
                        + " used, this prompt is about " + promptTokens + ")", g, now, tl, "tokens");
            }
            tokens.offer(tl, tl - used - promptTokens, g);
        }
    }

    private static void checkBudget(Long budget, KeyState k, long worst, Instant now) {
        if (budget != null && k.monthSpent + k.reserved + worst > budget) {
            throw new Refusal(Refusal.Reason.BUDGET_EXCEEDED, "the monthly budget of "
                    + usd(budget) + " USD of key " + k.id + " is spent (" + usd(k.monthSpent) + " spent, " + usd(k.reserved)
                    + " reserved by requests in flight, this request may cost up to " + usd(worst)
                    + "); it renews on " + nextMonth(now), Duration.between(now, nextMonth(now)), null);
        }
    }

    private void checkPlan(Ask ask, Account a, Instant now) {
        long worst = ask.worstCostMicros();
        Plan plan = ask.plan();
        if (plan == null) {
            return;
        }
        if (plan.monthlySpendQuotaMicros() != null && a.monthSpent + a.reserved + worst > plan.monthlySpendQuotaMicros()) {
            throw new Refusal(Refusal.Reason.PLAN_QUOTA_EXCEEDED, "the " + plan.name()
                    + " plan's monthly spend quota of " + usd(plan.monthlySpendQuotaMicros()) + " USD is reached",
                    Duration.between(now, nextMonth(now)), null);
        }
        if (plan.monthlyTokenQuota() != null && a.monthTokens + a.reservedTokens + ask.worstTokens()
                > plan.monthlyTokenQuota()) {
            throw new Refusal(Refusal.Reason.PLAN_QUOTA_EXCEEDED, "the " + plan.name()
                    + " plan's monthly quota of " + plan.monthlyTokenQuota() + " tokens is reached ("
                    + a.monthTokens + " used)", Duration.between(now, nextMonth(now)), null);
        }
        if (plan.prepaid() && a.credits - a.spent - a.reserved < worst) {
            throw new Refusal(Refusal.Reason.INSUFFICIENT_CREDITS, "insufficient credits: "
                    + usd(a.credits - a.spent - a.reserved) + " USD available, this request may cost up to "
                    + usd(worst) + " USD; add credits to continue", null, null);
        }
    }

    private static Refusal tooMany(String message, Granularity g, Instant now, long limit, String what) {
        Duration left = Duration.between(now, Windows.end(g, now));
        return new Refusal(Refusal.Reason.RATE_LIMIT_EXCEEDED, message, left, new Refusal.Window(what, limit, left));
    }

    /** The window with the least room left, which is the one a client should pace itself by. */
    private static final class Tightest {
        long limit = -1;
        long remaining = Long.MAX_VALUE;
        Granularity granularity;

        void offer(long limit, long remaining, Granularity g) {
            if (remaining < this.remaining) {
                this.limit = limit;
                this.remaining = remaining;
                this.granularity = g;
            }
        }

        void write(String what, Map<String, String> headers, Instant now) {
            if (granularity != null) {
                headers.put("x-ratelimit-limit-" + what, Long.toString(limit));
                headers.put("x-ratelimit-remaining-" + what, Long.toString(Math.max(0, remaining)));
                headers.put("x-ratelimit-reset-" + what, resetText(Duration.between(now, Windows.end(granularity, now))));
            }
        }
    }

    /** OpenAI's format for reset durations: {@code 59s}, {@code 6m0s}, {@code 1h2m3s}. */
    public static String resetText(Duration d) {
        long s = Math.max(1, (d.toMillis() + 999) / 1000);
        long h = s / 3600;
        long m = s % 3600 / 60;
        long sec = s % 60;
        return h > 0 ? h + "h" + m + "m" + sec + "s" : m > 0 ? m + "m" + sec + "s" : sec + "s";
    }

    private static Instant nextMonth(Instant now) {
        return YearMonth.from(now.atOffset(ZoneOffset.UTC)).plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    private static String unit(Granularity g) {
        return g.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String usd(long micros) {
        return Micros.toDecimal(micros).toPlainString();
    }

    private Account account(long userId) {
        Account a = accounts.get(userId);
        if (a != null) {
            return a;
        }
        // Loaded with the follower held still, so the sums and the events applied after them meet exactly.
        return follower.atPosition(position -> accounts.computeIfAbsent(userId, id -> load(id, position)));
    }

    private Account load(long userId, long position) {
        Instant now = clock.instant();
        AccountTotals totals = db.read(c -> AccountTotals.load(c, Long.toString(userId), position, now));
        Account a = new Account(now);
        a.credits = totals.creditsMicros();
        int n = Granularity.values().length;
        long[] userRequests = new long[n];
        long[] userTokens = new long[n];
        a.parents.putAll(db.read(c -> parentsOf(c, userId)));
        totals.keys().forEach((keyId, t) -> {
            a.keys.put(keyId, new KeyState(keyId, new Windows(now, t.windowRequests(), t.windowTokens())));
            a.spent = Math.addExact(a.spent, t.spentMicros());
            a.monthSpent = Math.addExact(a.monthSpent, t.monthSpentMicros());
            a.monthTokens = Math.addExact(a.monthTokens, t.monthTokens());
            for (int i = 0; i < n; i++) {
                userRequests[i] += t.windowRequests()[i];
                userTokens[i] += t.windowTokens()[i];
            }
        });
        // A key's totals count for it and for every key above it.
        totals.keys().forEach((keyId, t) -> {
            for (KeyState k : a.chain(keyId, now)) {
                k.requests = Math.addExact(k.requests, t.requests());
                k.spent = Math.addExact(k.spent, t.spentMicros());
                k.monthSpent = Math.addExact(k.monthSpent, t.monthSpentMicros());
            }
        });
        a.windows = new Windows(now, userRequests, userTokens);
        return a;
    }

    /** Which of the user's keys were created from which (child → parent). */
    private static Map<Long, Long> parentsOf(java.sql.Connection c, long userId) throws java.sql.SQLException {
        try (java.sql.PreparedStatement q = c.prepareStatement("SELECT id, parent_key_id FROM api_keys "
                + "WHERE user_id = ? AND parent_key_id IS NOT NULL")) {
            q.setLong(1, userId);
            Map<Long, Long> out = new HashMap<>();
            try (java.sql.ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getLong(2));
                }
            }
            return out;
        }
    }

    /** Another instance's usage, or a top-up, read from the ledger. This instance's own usage is already counted. */
    private void apply(RecordedEvent e) {
        switch (e.event()) {
            case UsageRecorded u -> {
                if (own.remove(e.eventId())) {
                    return;
                }
                Account a = accounts.get(u.userId());
                if (a != null) {
                    synchronized (a) {
                        a.count(u.keyId(), e.occurredAt(), u.costMicros(), u.totalTokens(), 1);
                    }
                }
            }
            case ApiKeyCreated k -> {
                Account a = k.parentKeyId() == null ? null : accounts.get(k.userId());
                if (a != null) {
                    synchronized (a) {
                        a.parents.put(k.keyId(), k.parentKeyId());
                    }
                }
            }
            case CreditsAdded c -> {
                Account a = accounts.get(c.userId());
                if (a != null) {
                    synchronized (a) {
                        a.credits = Math.addExact(a.credits, c.amountMicros());
                    }
                }
            }
            default -> {
            }
        }
    }

    /** One admitted request: settle it with its real cost, or close it to release its reservation. */
    public final class Ticket implements AutoCloseable {
        private final Account account;
        private final long keyId;
        /** The key and the keys above it, each holding this request's reservation. */
        private final List<KeyState> family;
        private final Ask ask;
        private final Map<String, String> headers;
        private boolean open = true;

        private Ticket(Account account, long keyId, List<KeyState> family, Ask ask, Map<String, String> headers) {
            this.account = account;
            this.keyId = keyId;
            this.family = family;
            this.ask = ask;
            this.headers = headers;
        }

        /** OpenAI-style {@code x-ratelimit-*} headers for the reply (empty when no limit applies). */
        public Map<String, String> rateLimitHeaders() {
            return headers;
        }

        /**
         * Replaces the reservation by the real cost of the usage event about to be appended; call
         * before appending it, so the follower knows the event is already counted.
         */
        public void settle(UUID eventId, Instant at, long costMicros, long totalTokens) {
            own.add(eventId);
            synchronized (account) {
                release();
                // The request itself was counted in the windows at admission.
                account.count(keyId, at, costMicros, totalTokens, 0);
            }
        }

        /** Releases the reservation of a request that ends without a usage event. */
        @Override
        public void close() {
            synchronized (account) {
                release();
            }
        }

        private void release() {
            if (open) {
                open = false;
                account.reserved = Math.subtractExact(account.reserved, ask.worstCostMicros());
                account.reservedTokens = Math.subtractExact(account.reservedTokens, ask.worstTokens());
                for (KeyState k : family) {
                    k.reserved = Math.subtractExact(k.reserved, ask.worstCostMicros());
                    k.reservedRequests--;
                }
            }
        }
    }

    /** One account's money and windows; guarded by its own monitor. */
    private static final class Account {
        long credits;
        long spent;
        long reserved;
        long reservedTokens;
        YearMonth month;
        long monthSpent;
        long monthTokens;
        Windows windows;
        final Map<Long, KeyState> keys = new HashMap<>();
        /** Child key → the key it was created from. */
        final Map<Long, Long> parents = new HashMap<>();

        Account(Instant now) {
            month = YearMonth.from(now.atOffset(ZoneOffset.UTC));
        }

        void roll(Instant now) {
            YearMonth m = YearMonth.from(now.atOffset(ZoneOffset.UTC));
            if (m.isAfter(month)) {
                month = m;
                monthSpent = 0;
                monthTokens = 0;
                keys.values().forEach(k -> k.monthSpent = 0);
            }
        }

        KeyState key(long keyId, Instant now) {
            return keys.computeIfAbsent(keyId, id -> new KeyState(id, Windows.empty(now)));
        }

        /** The key and every key above it, nearest first. */
        List<KeyState> chain(long keyId, Instant now) {
            List<KeyState> out = new ArrayList<>(2);
            for (Long id = keyId; id != null && out.size() < MAX_LINEAGE; id = parents.get(id)) {
                out.add(key(id, now));
            }
            return out;
        }

        /**
         * One request's usage at {@code at}, counted for its key and the keys above it; {@code windowRequests}
         * is 0 when the request was already counted in the rate windows at admission.
         */
        void count(long keyId, Instant at, long cost, long tokens, long windowRequests) {
            spent = Math.addExact(spent, cost);
            roll(at);
            boolean thisMonth = YearMonth.from(at.atOffset(ZoneOffset.UTC)).equals(month);
            if (thisMonth) {
                monthSpent = Math.addExact(monthSpent, cost);
                monthTokens = Math.addExact(monthTokens, tokens);
            }
            KeyState own = key(keyId, at);
            windows.add(at, windowRequests, tokens);
            own.windows.add(at, windowRequests, tokens);
            for (KeyState k : chain(keyId, at)) {
                k.requests++;
                k.spent = Math.addExact(k.spent, cost);
                if (thisMonth) {
                    k.monthSpent = Math.addExact(k.monthSpent, cost);
                }
            }
        }
    }

    private static final class KeyState {
        final long id;
        long requests;
        long spent;
        long monthSpent;
        long reserved;
        long reservedRequests;
        final Windows windows;

        KeyState(long id, Windows windows) {
            this.id = id;
            this.windows = windows;
        }
    }
}
