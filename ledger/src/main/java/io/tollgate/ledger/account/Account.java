package io.tollgate.ledger.account;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.tollgate.ledger.account.Decision.Admitted;
import io.tollgate.ledger.account.Decision.Reason;
import io.tollgate.ledger.account.Decision.Refused;
import io.tollgate.ledger.account.Decision.Room;
import io.tollgate.ledger.account.Policy.KeyLimits;
import io.tollgate.ledger.account.Policy.RateLimits;
import io.tollgate.ledger.events.ApiKeyCreated;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.LedgerEvent;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.money.Micros;

/**
 * The account kernel: how events change an account's money ({@code evolve}) and whether a call may
 * start ({@code decide}), as pure functions with no I/O and no clock of their own. The gateway's
 * admission, the projection, replay and statements all run these, so they cannot drift apart.
 *
 * <p>Invariants kept here: a call is admitted only if, with every call in flight held back at its
 * worst case, no cap (key lifetime limits, monthly budgets, plan quotas, prepaid credit) is exceeded;
 * reservations never go negative; every sum of money is overflow-checked.
 */
public final class Account {
    /** Deeper than any real chain of keys made from keys; stops a walk should the data ever loop. */
    static final int MAX_LINEAGE = 64;

    private Account() {
    }

    /** An account's lifetime balance after {@code e} (the rm_balance row). */
    public static Balance evolve(Balance b, LedgerEvent e) {
        return switch (e) {
            case UsageRecorded u -> new Balance(b.creditsMicros(), Math.addExact(b.spentMicros(), u.costMicros()),
                    Math.addExact(b.requests(), 1));
            case CreditsAdded c -> new Balance(Math.addExact(b.creditsMicros(), c.amountMicros()), b.spentMicros(),
                    b.requests());
            default -> b;
        };
    }

    /**
     * The account's row for the month {@code e} occurred in, after {@code e} (the rm_account_month row);
     * {@code m} is null before the month's first money event.
     */
    public static AccountMonth evolve(AccountMonth m, RecordedEvent e) {
        AccountMonth delta = switch (e.event()) {
            case UsageRecorded u -> new AccountMonth(0, u.costMicros(), 1, e.seq(), e.seq());
            case CreditsAdded c -> new AccountMonth(c.amountMicros(), 0, 0, e.seq(), e.seq());
            default -> null;
        };
        return delta == null ? m : m == null ? delta : m.plus(delta);
    }

    public static AccountState evolve(AccountState s, RecordedEvent e) {
        return evolve(s, e.event(), e.occurredAt());
    }

    /** The account after {@code e}, which occurred at {@code at}. */
    public static AccountState evolve(AccountState s, LedgerEvent e, Instant at) {
        return switch (e) {
            case UsageRecorded u -> used(s, u, at, 1);
            case CreditsAdded c -> new AccountState(evolve(s.balance(), c), s.month(), s.monthSpentMicros(),
                    s.monthTokens(), s.reservedMicros(), s.reservedTokens(), s.windows(), s.keys(), s.parents());
            case ApiKeyCreated k when k.parentKeyId() != null -> {
                Map<Long, Long> parents = new HashMap<>(s.parents());
                parents.put(k.keyId(), k.parentKeyId());
                yield new AccountState(s.balance(), s.month(), s.monthSpentMicros(), s.monthTokens(), s.reservedMicros(),
                        s.reservedTokens(), s.windows(), s.keys(), parents);
            }
            default -> s;
        };
    }

    /** The account as of {@code now}: in a new month, the month's figures start again from zero. */
    public static AccountState at(AccountState s, Instant now) {
        YearMonth m = Months.of(now);
        if (!m.isAfter(s.month())) {
            return s;
        }
        Map<Long, KeyUsage> keys = new HashMap<>();
        s.keys().forEach((id, k) -> keys.put(id, new KeyUsage(k.requests(), k.spentMicros(), 0, k.reservedMicros(),
                k.reservedRequests(), k.windows())));
        return new AccountState(s.balance(), m, 0, 0, s.reservedMicros(), s.reservedTokens(), s.windows(), keys,
                s.parents());
    }

    /**
     * Whether a call may start now, checked in this order: the lifetime limits of its key and the keys
     * above it, the key's and the user's rate windows, the family's monthly budgets, then the plan's
     * quotas and credit. Everything in flight counts at its worst case.
     */
    public static Decision decide(AccountState state, Ask ask, Policy policy, Instant now) {
        AccountState s = at(state, now);
        long worst = ask.worstCostMicros();
        for (KeyLimits limits : policy.family()) {
            KeyUsage k = s.key(limits.keyId());
            if (limits.maxRequests() != null && k.requests() + k.reservedRequests() >= limits.maxRequests()) {
                return new Refused(Reason.KEY_USAGE_LIMIT_REACHED, "key " + limits.keyId() + " has used all of its "
                        + limits.maxRequests() + " requests", null, null);
            }
            if (limits.maxSpendMicros() != null && sum(k.spentMicros(), k.reservedMicros(), worst) > limits.maxSpendMicros()) {
                return new Refused(Reason.KEY_USAGE_LIMIT_REACHED, "the spend limit of key " + limits.keyId() + ", "
                        + usd(limits.maxSpendMicros()) + " USD, does not cover this request", null, null);
            }
        }
        Windows keyWindows = s.key(policy.family().get(0).keyId()).windows();
        Room[] tightest = new Room[2];
        for (Granularity g : Granularity.values()) {
            Refused r = rate("key", g, policy.keyRates(), keyWindows, ask.promptTokens(), now, tightest);
            if (r == null) {
                r = rate("user", g, policy.userRates(), s.windows(), ask.promptTokens(), now, tightest);
            }
            if (r != null) {
                return r;
            }
        }
        Instant nextMonth = Months.next(now);
        for (KeyLimits limits : policy.family()) {
            KeyUsage k = s.key(limits.keyId());
            Long budget = limits.monthlyBudgetMicros();
            if (budget != null && sum(k.monthSpentMicros(), k.reservedMicros(), worst) > budget) {
                return new Refused(Reason.BUDGET_EXCEEDED, "the monthly budget of " + usd(budget) + " USD of key "
                        + limits.keyId() + " is spent (" + usd(k.monthSpentMicros()) + " spent, " + usd(k.reservedMicros())
                        + " reserved by requests in flight, this request may cost up to " + usd(worst)
                        + "); it renews on " + nextMonth, Duration.between(now, nextMonth), null);
            }
        }
        Policy.Plan plan = policy.plan();
        if (plan != null) {
            if (plan.monthlySpendMicros() != null
                    && sum(s.monthSpentMicros(), s.reservedMicros(), worst) > plan.monthlySpendMicros()) {
                return new Refused(Reason.PLAN_QUOTA_EXCEEDED, "the " + plan.name() + " plan's monthly spend quota of "
                        + usd(plan.monthlySpendMicros()) + " USD is reached", Duration.between(now, nextMonth), null);
            }
            if (plan.monthlyTokens() != null
                    && sum(s.monthTokens(), s.reservedTokens(), ask.worstTokens()) > plan.monthlyTokens()) {
                return new Refused(Reason.PLAN_QUOTA_EXCEEDED, "the " + plan.name() + " plan's monthly quota of "
                        + plan.monthlyTokens() + " tokens is reached (" + s.monthTokens() + " used)",
                        Duration.between(now, nextMonth), null);
            }
            if (plan.prepaid() && s.availableMicros() < worst) {
                return new Refused(Reason.INSUFFICIENT_CREDITS, "insufficient credits: " + usd(s.availableMicros())
                        + " USD available, this request may cost up to " + usd(worst) + " USD; add credits to continue",
                        null, null);
            }
        }
        List<Long> family = policy.family().stream().map(KeyLimits::keyId).toList();
        return new Admitted(new Reservation(family, worst, ask.worstTokens()), tightest[0], tightest[1]);
    }

    /** Checks one window against its limits, keeping the tightest room seen in {@code tightest} (requests, tokens). */
    private static Refused rate(String subject, Granularity g, RateLimits limits, Windows w, long promptTokens,
                                Instant now, Room[] tightest) {
        Duration resetsIn = Duration.between(now, g.windowEnd(now));
        String unit = g.name().toLowerCase(Locale.ROOT);
        Long rl = limits.requests(g);
        if (rl != null) {
            long used = w.requests(g, now);
            if (used + 1 > rl) {
                return new Refused(Reason.RATE_LIMIT_EXCEEDED, subject + " limit of " + rl + " requests per " + unit
                        + " reached", resetsIn, new Room("requests", rl, 0, resetsIn));
            }
            tightest[0] = tighter(tightest[0], new Room("requests", rl, rl - used - 1, resetsIn));
        }
        Long tl = limits.tokens(g);
        if (tl != null) {
            long used = w.tokens(g, now);
            if (Math.addExact(used, promptTokens) > tl) {
                return new Refused(Reason.RATE_LIMIT_EXCEEDED, subject + " limit of " + tl + " tokens per " + unit
                        + " reached (" + used + " used, this prompt is about " + promptTokens + ")", resetsIn,
                        new Room("tokens", tl, 0, resetsIn));
            }
            tightest[1] = tighter(tightest[1], new Room("tokens", tl, tl - used - promptTokens, resetsIn));
        }
        return null;
    }

    private static Room tighter(Room a, Room b) {
        return a == null || b.remaining() < a.remaining() ? b : a;
    }

    /** Holds back an admitted call's worst case, and counts it as a request in its rate windows. */
    public static AccountState reserve(AccountState state, Reservation r, Instant now) {
        AccountState s = at(state, now);
        // The lineage the caller's key came with, for keys whose ApiKeyCreated predates parent_key_id;
        // copied only when it adds a link (it rarely does, and this runs on every call).
        Map<Long, Long> parents = s.parents();
        List<Long> family = r.family();
        for (int i = 0; i + 1 < family.size(); i++) {
            if (!parents.containsKey(family.get(i))) {
                parents = new HashMap<>(parents);
                parents.put(family.get(i), family.get(i + 1));
            }
        }
        Map<Long, KeyUsage> keys = new HashMap<>(s.keys());
        for (long id : family) {
            KeyUsage k = keys.getOrDefault(id, KeyUsage.NONE);
            keys.put(id, new KeyUsage(k.requests(), k.spentMicros(), k.monthSpentMicros(),
                    Math.addExact(k.reservedMicros(), r.costMicros()), Math.addExact(k.reservedRequests(), 1),
                    id == r.keyId() ? k.windows().add(now, 1, 0) : k.windows()));
        }
        return new AccountState(s.balance(), s.month(), s.monthSpentMicros(), s.monthTokens(),
                Math.addExact(s.reservedMicros(), r.costMicros()), Math.addExact(s.reservedTokens(), r.tokens()),
                s.windows().add(now, 1, 0), keys, parents);
    }

    /** Gives back what a call held (it ended without usage). The request stays counted in its windows. */
    public static AccountState release(AccountState s, Reservation r) {
        Map<Long, KeyUsage> keys = new HashMap<>(s.keys());
        for (long id : r.family()) {
            KeyUsage k = keys.getOrDefault(id, KeyUsage.NONE);
            keys.put(id, new KeyUsage(k.requests(), k.spentMicros(), k.monthSpentMicros(),
                    unreserve(k.reservedMicros(), r.costMicros()), unreserve(k.reservedRequests(), 1), k.windows()));
        }
        return new AccountState(s.balance(), s.month(), s.monthSpentMicros(), s.monthTokens(),
                unreserve(s.reservedMicros(), r.costMicros()), unreserve(s.reservedTokens(), r.tokens()), s.windows(),
                keys, s.parents());
    }

    /** Replaces what a call held by its real usage; its request was counted in the windows when it was admitted. */
    public static AccountState settle(AccountState s, Reservation r, UsageRecorded u, Instant at) {
        return used(release(s, r), u, at, 0);
    }

    private static AccountState used(AccountState state, UsageRecorded u, Instant at, long windowRequests) {
        AccountState s = at(state, at);
        boolean thisMonth = Months.of(at).equals(s.month());
        long cost = u.costMicros();
        long monthCost = thisMonth ? cost : 0;
        long tokens = u.totalTokens();
        Map<Long, KeyUsage> keys = new HashMap<>(s.keys());
        KeyUsage own = keys.getOrDefault(u.keyId(), KeyUsage.NONE);
        keys.put(u.keyId(), new KeyUsage(own.requests(), own.spentMicros(), own.monthSpentMicros(), own.reservedMicros(),
                own.reservedRequests(), own.windows().add(at, windowRequests, tokens)));
        for (long id : chain(s.parents(), u.keyId())) {
            KeyUsage k = keys.getOrDefault(id, KeyUsage.NONE);
            keys.put(id, new KeyUsage(Math.addExact(k.requests(), 1), Math.addExact(k.spentMicros(), cost),
                    Math.addExact(k.monthSpentMicros(), monthCost), k.reservedMicros(), k.reservedRequests(), k.windows()));
        }
        return new AccountState(evolve(s.balance(), u), s.month(), Math.addExact(s.monthSpentMicros(), monthCost),
                Math.addExact(s.monthTokens(), thisMonth ? tokens : 0), s.reservedMicros(), s.reservedTokens(),
                s.windows().add(at, windowRequests, tokens), keys, s.parents());
    }

    /** The key and every key above it, nearest first. */
    static List<Long> chain(Map<Long, Long> parents, long keyId) {
        List<Long> out = new ArrayList<>(2);
        for (Long id = keyId; id != null && out.size() < MAX_LINEAGE; id = parents.get(id)) {
            out.add(id);
        }
        return out;
    }

    private static long unreserve(long held, long amount) {
        long left = Math.subtractExact(held, amount);
        if (left < 0) {
            throw new IllegalStateException("released more than was reserved (" + held + " held, " + amount + " released)");
        }
        return left;
    }

    private static long sum(long a, long b, long c) {
        return Math.addExact(Math.addExact(a, b), c);
    }

    private static String usd(long micros) {
        return Micros.toDecimal(micros).toPlainString();
    }
}
