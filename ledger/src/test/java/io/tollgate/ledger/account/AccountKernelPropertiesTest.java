package io.tollgate.ledger.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import io.tollgate.ledger.account.Decision.Admitted;
import io.tollgate.ledger.account.Decision.Reason;
import io.tollgate.ledger.account.Decision.Refused;
import io.tollgate.ledger.account.Policy.KeyLimits;
import io.tollgate.ledger.events.ApiKeyCreated;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.LedgerEvent;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.projection.Rows.MonthKey;
import io.tollgate.ledger.projection.Rows.WindowCounts;
import io.tollgate.ledger.projection.Rows.WindowKey;

/**
 * The account kernel's properties over random histories: {@code decide} never admits past a cap or
 * credit and refuses only for a reason that holds; folding events through {@code evolve} gives exactly
 * the projection's balances, account months (and so statements' closing balances) and rate windows,
 * across month roll-overs and retention pruning. Time is a parameter everywhere: no clock is read.
 */
class AccountKernelPropertiesTest {
    /** Near a month's end, so histories cross one or more month boundaries. */
    private static final Instant START = Instant.parse("2026-01-30T22:00:00Z");
    private static final long KEY = 11;
    private static final long PARENT = 10;

    // ---------- decide ----------

    /** Test-local rate limits: any limit may be absent. */
    record Rates(Long[] requests, Long[] tokens) implements Policy.RateLimits {
        @Override
        public Long requests(Granularity g) {
            return requests[g.ordinal()];
        }

        @Override
        public Long tokens(Granularity g) {
            return tokens[g.ordinal()];
        }
    }

    sealed interface Step {
    }

    record Ask(long promptTokens, long outputTokens, long worstCostMicros) implements Step {
    }

    /** Settles the {@code which}-th open call with {@code percent} of its worst case. */
    record Settle(int which, int percent) implements Step {
    }

    record Release(int which) implements Step {
    }

    record TopUp(long micros) implements Step {
    }

    record Wait(long seconds) implements Step {
    }

    @Property(tries = 300)
    void decideNeverAdmitsPastACapOrCreditAndRefusesOnlyForAReasonThatHolds(
            @ForAll("policies") Policy policy, @ForAll("steps") List<Step> steps) {
        AccountState s = AccountState.EMPTY;
        Instant now = START;
        List<Reservation> open = new ArrayList<>();
        List<Instant> admittedAt = new ArrayList<>();
        for (Step step : steps) {
            switch (step) {
                case Ask a -> {
                    io.tollgate.ledger.account.Ask ask = new io.tollgate.ledger.account.Ask(a.promptTokens(),
                            a.promptTokens() + a.outputTokens(), a.worstCostMicros());
                    switch (Account.decide(s, ask, policy, now)) {
                        case Admitted admitted -> {
                            s = Account.reserve(s, admitted.reservation(), now);
                            open.add(admitted.reservation());
                            admittedAt.add(now);
                        }
                        case Refused refused -> assertTrue(holds(refused.reason(), Account.at(s, now), ask, policy, now),
                                refused.reason() + " does not hold: " + refused.message());
                    }
                }
                case Settle settle when !open.isEmpty() -> {
                    Reservation r = open.remove(settle.which() % open.size());
                    long cost = r.costMicros() * settle.percent() / 100;
                    long tokens = r.tokens() * settle.percent() / 100;
                    s = Account.settle(s, r, usage(1, r.keyId(), cost, tokens), now);
                }
                case Release release when !open.isEmpty() -> s = Account.release(s, open.remove(release.which() % open.size()));
                case TopUp t -> s = Account.evolve(s, new CreditsAdded(1, t.micros(), "top-up", null, 1), now);
                case Wait w -> now = now.plusSeconds(w.seconds());
                default -> {
                }
            }
            assertWithinCaps(Account.at(s, now), policy);
            assertWithinRates(admittedAt, policy, now);
        }
        for (Reservation r : open) {
            s = Account.release(s, r);
        }
        assertEquals(0, s.reservedMicros());
        assertEquals(0, s.reservedTokens());
        s.keys().values().forEach(k -> assertEquals(0, k.reservedMicros() + k.reservedRequests()));
    }

    private static void assertWithinCaps(AccountState s, Policy policy) {
        for (KeyLimits k : policy.family()) {
            KeyUsage u = s.key(k.keyId());
            if (k.maxRequests() != null) {
                assertTrue(u.requests() + u.reservedRequests() <= k.maxRequests(), "key requests past its limit");
            }
            if (k.maxSpendMicros() != null) {
                assertTrue(u.spentMicros() + u.reservedMicros() <= k.maxSpendMicros(), "key spend past its limit");
            }
            if (k.monthlyBudgetMicros() != null) {
                assertTrue(u.monthSpentMicros() + u.reservedMicros() <= k.monthlyBudgetMicros(), "past a monthly budget");
            }
        }
        Policy.Plan plan = policy.plan();
        if (plan != null) {
            if (plan.monthlySpendMicros() != null) {
                assertTrue(s.monthSpentMicros() + s.reservedMicros() <= plan.monthlySpendMicros(), "past the spend quota");
            }
            if (plan.monthlyTokens() != null) {
                assertTrue(s.monthTokens() + s.reservedTokens() <= plan.monthlyTokens(), "past the token quota");
            }
            if (plan.prepaid()) {
                assertTrue(s.availableMicros() >= 0, "spent credit the account does not have");
            }
        }
    }

    /** Counted from the admissions themselves, not from the kernel's windows: no window admits past its limit. */
    private static void assertWithinRates(List<Instant> admittedAt, Policy policy, Instant now) {
        for (Granularity g : Granularity.values()) {
            long window = g.windowStart(now.getEpochSecond());
            long admitted = admittedAt.stream().filter(t -> g.windowStart(t.getEpochSecond()) == window).count();
            Long keyLimit = policy.keyRates().requests(g);
            Long userLimit = policy.userRates().requests(g);
            assertTrue(keyLimit == null || admitted <= keyLimit, "key past its " + g + " rate");
            assertTrue(userLimit == null || admitted <= userLimit, "user past its " + g + " rate");
        }
    }

    /** Whether what {@code reason} says is true of the account: some limit of that kind would be passed. */
    private static boolean holds(Reason reason, AccountState s, io.tollgate.ledger.account.Ask ask, Policy policy,
                                 Instant now) {
        long worst = ask.worstCostMicros();
        return switch (reason) {
            case KEY_USAGE_LIMIT_REACHED -> policy.family().stream().anyMatch(k -> {
                KeyUsage u = s.key(k.keyId());
                return k.maxRequests() != null && u.requests() + u.reservedRequests() + 1 > k.maxRequests()
                        || k.maxSpendMicros() != null && u.spentMicros() + u.reservedMicros() + worst > k.maxSpendMicros();
            });
            case RATE_LIMIT_EXCEEDED -> java.util.Arrays.stream(Granularity.values()).anyMatch(g ->
                    over(policy.keyRates(), s.key(KEY).windows(), g, ask, now)
                            || over(policy.userRates(), s.windows(), g, ask, now));
            case BUDGET_EXCEEDED -> policy.family().stream().anyMatch(k -> k.monthlyBudgetMicros() != null
                    && s.key(k.keyId()).monthSpentMicros() + s.key(k.keyId()).reservedMicros() + worst > k.monthlyBudgetMicros());
            case PLAN_QUOTA_EXCEEDED -> policy.plan() != null && (policy.plan().monthlySpendMicros() != null
                    && s.monthSpentMicros() + s.reservedMicros() + worst > policy.plan().monthlySpendMicros()
                    || policy.plan().monthlyTokens() != null
                    && s.monthTokens() + s.reservedTokens() + ask.worstTokens() > policy.plan().monthlyTokens());
            case INSUFFICIENT_CREDITS -> policy.plan() != null && policy.plan().prepaid() && s.availableMicros() < worst;
            // The entitlements' reasons, never decide's.
            case MODEL_NOT_ALLOWED, MODEL_NOT_IN_PLAN, FEATURE_NOT_IN_PLAN, OUTPUT_LIMIT_EXCEEDED, REASONING_LIMIT_EXCEEDED -> false;
        };
    }

    private static boolean over(Policy.RateLimits limits, Windows w, Granularity g, io.tollgate.ledger.account.Ask ask,
                                Instant now) {
        Long rl = limits.requests(g);
        Long tl = limits.tokens(g);
        return rl != null && w.requests(g, now) + 1 > rl || tl != null && w.tokens(g, now) + ask.promptTokens() > tl;
    }

    @Provide
    Arbitrary<Policy> policies() {
        Arbitrary<Long> count = Arbitraries.longs().between(0, 12).injectNull(0.5);
        Arbitrary<Long> money = Arbitraries.longs().between(0, 3_000_000).injectNull(0.5);
        Arbitrary<KeyLimits> key = Combinators.combine(count, money, money).as((r, m, b) -> new KeyLimits(KEY, r, m, b));
        Arbitrary<KeyLimits> parent = Combinators.combine(count, money, money).as((r, m, b) -> new KeyLimits(PARENT, r, m, b));
        Arbitrary<List<KeyLimits>> family = Combinators.combine(key, parent, Arbitraries.of(true, false))
                .as((k, p, withParent) -> withParent ? List.of(k, p) : List.of(k));
        Arbitrary<Long> limit = Arbitraries.longs().between(0, 10).injectNull(0.7);
        Arbitrary<Long> tokenLimit = Arbitraries.longs().between(0, 6_000).injectNull(0.7);
        // Mostly no rate limits: a zero limit somewhere would refuse every call and test nothing else.
        Arbitrary<Policy.RateLimits> rates = Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(Policy.RateLimits.NONE)),
                Tuple.of(1, Combinators.combine(limit.array(Long[].class).ofSize(3),
                        tokenLimit.array(Long[].class).ofSize(3)).as(Rates::new)));
        Arbitrary<Policy.Plan> plan = Combinators.combine(Arbitraries.of(true, false, false), money,
                Arbitraries.longs().between(0, 20_000).injectNull(0.5))
                .as((prepaid, spend, tokens) -> new Policy.Plan("team", prepaid, spend, tokens, null, List.of("chat")))
                .injectNull(0.3);
        return Combinators.combine(family, rates, rates, plan)
                .as((f, keyRates, userRates, p) -> new Policy(f, Policy.Uses.ANY, keyRates, userRates, p));
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> ask = Combinators.combine(Arbitraries.longs().between(0, 1_000), Arbitraries.longs().between(0, 2_000),
                Arbitraries.longs().between(0, 400_000)).as(Ask::new);
        Arbitrary<Step> settle = Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(0, 100))
                .as(Settle::new);
        Arbitrary<Step> release = Arbitraries.integers().between(0, 9).map(Release::new);
        Arbitrary<Step> topUp = Arbitraries.longs().between(1, 1_000_000).map(TopUp::new);
        // Seconds to a month: windows and months roll over.
        Arbitrary<Step> wait = Arbitraries.of(1L, 20L, 61L, 3_600L, 86_400L, 20 * 86_400L).map(Wait::new);
        return Arbitraries.frequencyOf(
                Tuple.of(6, ask), Tuple.of(4, settle), Tuple.of(1, release),
                Tuple.of(1, topUp), Tuple.of(3, wait)).list().ofMinSize(5).ofMaxSize(80);
    }

    // ---------- evolve against the projection ----------

    /** One generated event: after {@code gapSeconds}, usage (cost, tokens) of a user's key, or a top-up. */
    record Happening(long gapSeconds, int user, int key, boolean topUp, long micros, long tokens) {
    }

    @Property(tries = 200)
    void foldingThroughEvolveGivesTheProjectedBalancesMonthsStatementsAndWindows(
            @ForAll("histories") List<Happening> history) {
        List<RecordedEvent> events = events(history);
        ReadModels projected = new ReadModels();
        Projection projection = new Projection(Duration.ofHours(1));
        for (int i = 0; i < events.size(); i++) {
            projection.apply(projected, events.get(i));
            if (i % 25 == 24) {
                Projection.dropExpiredWindows(projected);
            }
        }
        Projection.dropExpiredWindows(projected);

        Map<String, List<RecordedEvent>> byAccount = new TreeMap<>();
        events.forEach(e -> byAccount.computeIfAbsent(e.accountId(), a -> new ArrayList<>()).add(e));
        byAccount.forEach((account, own) -> {
            AccountState folded = fold(own, Instant.MAX);
            boolean money = own.stream().anyMatch(e -> !(e.event() instanceof ApiKeyCreated));
            assertEquals(money ? folded.balance() : null, projected.balances.get(account), "balance of " + account);
            long closing = 0;
            for (YearMonth m = Months.of(START); !m.isAfter(Months.of(own.get(own.size() - 1).occurredAt())); m = m.plusMonths(1)) {
                Instant end = Months.start(m.plusMonths(1));
                AccountState atMonthEnd = Account.at(fold(own, end), end.minusNanos(1));
                var row = projected.months.get(new MonthKey(account, m));
                YearMonth month = m;
                List<RecordedEvent> inMonth = own.stream().filter(e -> !(e.event() instanceof ApiKeyCreated)
                        && Months.of(e.occurredAt()).equals(month)).toList();
                assertEquals(inMonth.isEmpty(), row == null, account + " " + m + " has a row iff it has money events");
                if (row != null) {
                    assertEquals(atMonthEnd.monthSpentMicros(), row.spentMicros(), account + " " + m + " spend");
                    assertEquals(inMonth.get(0).seq(), row.firstSeq());
                    assertEquals(inMonth.get(inMonth.size() - 1).seq(), row.lastSeq());
                    closing = Math.addExact(closing, row.creditsMicros() - row.spentMicros());
                }
                // A statement's closing balance: the months' rows summed up to and including this one.
                assertEquals(atMonthEnd.balance().availableMicros(), closing, account + " closing balance of " + m);
            }
        });

        long newestMinute = events.stream().filter(e -> e.event() instanceof UsageRecorded)
                .mapToLong(e -> Granularity.MINUTE.windowStart(e.occurredAt().getEpochSecond())).max().orElse(0);
        Map<WindowKey, WindowCounts> expected = new HashMap<>();
        for (RecordedEvent e : events) {
            if (!(e.event() instanceof UsageRecorded u)) {
                continue;
            }
            List<RecordedEvent> own = byAccount.get(e.accountId());
            for (Granularity g : Granularity.values()) {
                long start = g.windowStart(e.occurredAt().getEpochSecond());
                if (start < g.oldestKept(newestMinute)) {
                    continue;
                }
                // The kernel's window as of the window's last instant: the state admission would check.
                Instant last = g.windowEnd(e.occurredAt()).minusNanos(1);
                AccountState s = fold(own, last.plusNanos(1));
                expected.put(new WindowKey("user", u.userId(), g, Instant.ofEpochSecond(start)),
                        new WindowCounts(s.windows().requests(g, last), s.windows().tokens(g, last)));
                Windows k = s.key(u.keyId()).windows();
                expected.put(new WindowKey("key", u.keyId(), g, Instant.ofEpochSecond(start)),
                        new WindowCounts(k.requests(g, last), k.tokens(g, last)));
            }
        }
        assertEquals(expected, new HashMap<>(projected.rateWindows));
    }

    private static AccountState fold(List<RecordedEvent> events, Instant before) {
        AccountState s = AccountState.EMPTY;
        for (RecordedEvent e : events) {
            if (e.occurredAt().isBefore(before)) {
                s = Account.evolve(s, e);
            }
        }
        return s;
    }

    private static List<RecordedEvent> events(List<Happening> history) {
        List<RecordedEvent> out = new ArrayList<>();
        Instant t = START;
        for (int user = 1; user <= 3; user++) {
            out.add(recorded(out.size() + 1, t, new ApiKeyCreated(user * 10L + 1, user, "k", "tg-", List.of(), null, 1L,
                    "api", null, null)));
            out.add(recorded(out.size() + 1, t, new ApiKeyCreated(user * 10L + 2, user, "k", "tg-", List.of(), null, 1L,
                    "virtual", null, user * 10L + 1)));
        }
        for (Happening h : history) {
            t = t.plusSeconds(h.gapSeconds());
            LedgerEvent e = h.topUp() ? new CreditsAdded(h.user(), h.micros(), "top-up", UUID.randomUUID().toString(), 1)
                    : usage(h.user(), h.user() * 10L + h.key(), h.micros(), h.tokens());
            out.add(recorded(out.size() + 1, t, e));
        }
        return out;
    }

    @Provide
    Arbitrary<List<Happening>> histories() {
        Arbitrary<Long> gap = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.longs().between(0, 90)),
                Tuple.of(3, Arbitraries.longs().between(600, 7_200)),
                Tuple.of(1, Arbitraries.longs().between(86_400, 12 * 86_400L)));
        return Combinators.combine(gap, Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 2),
                Arbitraries.of(false, false, false, true), Arbitraries.longs().between(0, 2_000_000),
                Arbitraries.longs().between(0, 5_000)).as(Happening::new).list().ofMaxSize(120);
    }

    // ---------- examples ----------

    @Property(tries = 1)
    void aMonthlyBudgetRenewsAtTheFirstInstantOfTheNextMonthUtc() {
        Policy policy = new Policy(List.of(new KeyLimits(KEY, null, null, 1_000L)), Policy.Uses.ANY, Policy.RateLimits.NONE,
                Policy.RateLimits.NONE, null);
        Instant lastSecond = Instant.parse("2026-01-31T23:59:59Z");
        AccountState s = Account.evolve(AccountState.EMPTY, usage(1, KEY, 1_000, 10), lastSecond);
        io.tollgate.ledger.account.Ask ask = new io.tollgate.ledger.account.Ask(1, 1, 1);
        Refused refused = assertInstanceOf(Refused.class, Account.decide(s, ask, policy, lastSecond));
        assertEquals(Reason.BUDGET_EXCEEDED, refused.reason());
        assertEquals(Duration.ofSeconds(1), refused.retryAfter());
        assertInstanceOf(Admitted.class, Account.decide(s, ask, policy, Instant.parse("2026-02-01T00:00:00Z")));
    }

    @Property(tries = 1)
    void usageThatOccurredLastMonthButArrivesAfterTheRollOverCountsOnlyForLastMonth() {
        Instant february = Instant.parse("2026-02-01T00:00:01Z");
        AccountState s = Account.evolve(AccountState.EMPTY, usage(1, KEY, 300, 10), february);
        s = Account.evolve(s, usage(1, KEY, 500, 20), Instant.parse("2026-01-31T23:59:59Z"));
        assertEquals(YearMonth.of(2026, 2), s.month());
        assertEquals(300, s.monthSpentMicros());
        assertEquals(10, s.monthTokens());
        assertEquals(300, s.key(KEY).monthSpentMicros());
        assertEquals(800, s.balance().spentMicros());
    }

    @Property(tries = 1)
    void aKeyMadeFromAnotherSpendsItsParentsLimit() {
        AccountState s = Account.evolve(AccountState.EMPTY, new ApiKeyCreated(KEY, 1, "child", "tg-", List.of(), null, 1L,
                "virtual", null, PARENT), START);
        s = Account.evolve(s, usage(1, KEY, 700, 10), START);
        assertEquals(700, s.key(PARENT).spentMicros());
        assertEquals(1, s.key(PARENT).requests());
        assertFalse(s.key(PARENT).windows().requests(Granularity.MINUTE, START) > 0, "windows are the key's own");
    }

    private static UsageRecorded usage(long user, long key, long cost, long tokens) {
        return new UsageRecorded("req", user, key, "m", "p", "/chat/completions", false, tokens, 0, tokens, false, cost,
                5, 200, null, null, null, null, null, 1, false, null, null, null);
    }

    private static RecordedEvent recorded(long seq, Instant t, LedgerEvent e) {
        return new RecordedEvent(seq, UUID.randomUUID(), EventCodec.typeOf(e), 1, e.accountId(), t, e);
    }
}
