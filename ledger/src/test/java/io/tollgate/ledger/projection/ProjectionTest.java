package io.tollgate.ledger.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.tollgate.ledger.account.AccountMonth;
import io.tollgate.ledger.events.CreditsAdded;
import io.tollgate.ledger.events.EventCodec;
import io.tollgate.ledger.events.KeyRevoked;
import io.tollgate.ledger.events.LoginLockedOut;
import io.tollgate.ledger.events.LedgerEvent;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.account.Balance;
import io.tollgate.ledger.account.Granularity;
import io.tollgate.ledger.projection.Rows.PromptKey;
import io.tollgate.ledger.projection.Rows.PromptStats;
import io.tollgate.ledger.projection.Rows.Spend;
import io.tollgate.ledger.projection.Rows.SpendKey;
import io.tollgate.ledger.projection.Rows.WindowCounts;
import io.tollgate.ledger.projection.Rows.WindowKey;

class ProjectionTest {
    private static final Instant T0 = Instant.parse("2026-10-31T23:59:30Z");
    private final Projection projection = new Projection(Duration.ofHours(1));
    private long seq;

    private RecordedEvent at(Instant t, LedgerEvent e) {
        String type = EventCodec.typeOf(e);
        return new RecordedEvent(++seq, UUID.randomUUID(), type, 1, e.accountId(), t, e);
    }

    private static UsageRecorded usage(long user, long key, String model, long in, long out, long cost, String hash,
                                       String costCentre) {
        return new UsageRecorded("req", user, key, model, "p", "/chat/completions", false, in, out, in + out, false,
                cost, 5, 200, hash, costCentre, "proj", "live", null, 1, false, null, null, null);
    }

    @Test
    void balancesAreCreditsMinusSpend() {
        ReadModels s = new ReadModels();
        projection.apply(s, at(T0, new CreditsAdded(7, 10_000_000, "top-up", "k", 1)));
        projection.apply(s, at(T0, usage(7, 70, "m", 10, 20, 1_250, "h1", "Eng")));
        projection.apply(s, at(T0, usage(7, 70, "m", 1, 2, 750, "h2", "Eng")));
        assertEquals(new Balance(10_000_000, 2_000, 2), s.balances.get("7"));
        assertEquals(9_998_000, s.balances.get("7").availableMicros());
    }

    @Test
    void usageCountsIntoMinuteHourAndDayWindowsOfKeyAndUser() {
        ReadModels s = new ReadModels();
        projection.apply(s, at(T0, usage(7, 70, "m", 10, 20, 1, "h", null)));
        projection.apply(s, at(T0.plusSeconds(45), usage(7, 71, "m", 1, 1, 1, "h", null)));
        assertEquals(new WindowCounts(1, 30), s.rateWindows.get(new WindowKey("key", 70, Granularity.MINUTE,
                Instant.parse("2026-10-31T23:59:00Z"))));
        assertEquals(new WindowCounts(1, 2), s.rateWindows.get(new WindowKey("key", 71, Granularity.MINUTE,
                Instant.parse("2026-11-01T00:00:00Z"))));
        assertEquals(new WindowCounts(1, 30), s.rateWindows.get(new WindowKey("user", 7, Granularity.DAY,
                Instant.parse("2026-10-31T00:00:00Z"))));
        assertEquals(new WindowCounts(1, 2), s.rateWindows.get(new WindowKey("user", 7, Granularity.HOUR,
                Instant.parse("2026-11-01T00:00:00Z"))));
    }

    @Test
    void spendRollsUpPerDayAndAttribution() {
        ReadModels s = new ReadModels();
        projection.apply(s, at(T0, usage(7, 70, "m", 10, 20, 100, "a", "Eng")));
        projection.apply(s, at(T0.plusSeconds(1), usage(7, 70, "m", 5, 5, 50, "b", "Eng")));
        projection.apply(s, at(T0.plusSeconds(2), usage(7, 70, "m", 5, 5, 40, "c", "Sales")));
        SpendKey eng = new SpendKey(LocalDate.parse("2026-10-31"), 7, 70, "proj", "Eng", "live", "", "m");
        assertEquals(new Spend(2, 15, 25, 150, 10, 2, 0, 0), s.spend.get(eng));
        assertEquals(2, s.spend.size());
    }

    @Test
    void aPromptRepeatedWithinTheWindowIsWasteAndOneOutsideIsNot() {
        ReadModels s = new ReadModels();
        projection.apply(s, at(T0, usage(7, 70, "m", 1, 1, 100, "same", null)));
        projection.apply(s, at(T0.plusSeconds(60), usage(7, 70, "m", 1, 1, 100, "same", null)));
        projection.apply(s, at(T0.plusSeconds(120), usage(7, 70, "m", 1, 1, 100, "same", null)));
        projection.apply(s, at(T0.plus(Duration.ofHours(3)), usage(7, 70, "m", 1, 1, 100, "same", null)));
        projection.apply(s, at(T0, usage(7, 70, "other-model", 1, 1, 100, "same", null)));
        assertEquals(new PromptStats(T0, T0.plus(Duration.ofHours(3)), 4, 2, 200),
                s.prompts.get(new PromptKey("7", "same", "m")));
        assertEquals(0, s.prompts.get(new PromptKey("7", "same", "other-model")).repeats());
        // The repeats are also in the spend cells and roll-ups, so reports can filter waste like spend.
        assertEquals(2, s.spend.values().stream().mapToLong(Spend::repeats).sum());
        assertEquals(200, s.spendMonths.values().stream().mapToLong(Spend::wastedMicros).sum());
        assertEquals(200, s.spendDimensions.entrySet().stream().filter(e -> e.getKey().dimension().equals("model"))
                .mapToLong(e -> e.getValue().wastedMicros()).sum());
    }

    @Test
    void accountMonthsSplitCreditsAndSpendByTheUtcMonthOfTheEventWithTheirSeqRange() {
        ReadModels s = new ReadModels();
        RecordedEvent october = at(T0, usage(7, 70, "m", 1, 1, 100, null, null));
        RecordedEvent november = at(T0.plusSeconds(31), usage(7, 70, "m", 1, 1, 40, null, null));
        RecordedEvent credit = at(T0.plusSeconds(60), new CreditsAdded(7, 5_000, "top-up", null, 1));
        List.of(october, november, credit).forEach(e -> projection.apply(s, e));
        assertEquals(new AccountMonth(0, 100, 1, october.seq(), october.seq()),
                s.months.get(new Rows.MonthKey("7", java.time.YearMonth.parse("2026-10"))));
        assertEquals(new AccountMonth(5_000, 40, 1, november.seq(), credit.seq()),
                s.months.get(new Rows.MonthKey("7", java.time.YearMonth.parse("2026-11"))));
        assertEquals(2, s.usage.size(), "one usage row per call, keyed by seq");
    }

    @Test
    void rateWindowsPastTheirRetentionAreDroppedCountingBackFromTheNewestMinute() {
        ReadModels s = new ReadModels();
        projection.apply(s, at(T0, usage(7, 70, "m", 1, 1, 1, null, null)));
        projection.apply(s, at(T0.plus(Duration.ofDays(3)), usage(7, 70, "m", 1, 1, 1, null, null)));
        Projection.dropExpiredWindows(s);
        assertEquals(List.of(T0.plus(Duration.ofDays(3)).minusSeconds(30)), s.rateWindows.keySet().stream()
                .filter(k -> k.granularity() == Granularity.MINUTE).map(WindowKey::start).distinct().toList(),
                "the minute windows of three days ago are gone");
        assertEquals(2, s.rateWindows.keySet().stream().filter(k -> k.granularity() == Granularity.HOUR)
                .map(WindowKey::start).distinct().count(), "hour windows are kept 31 days");
        assertEquals(4, s.rateWindows.keySet().stream().filter(k -> k.granularity() == Granularity.DAY).count(),
                "day windows (key and user, two days) are kept");
    }

    @Test
    void adminEventsBecomeAuditEntriesKeyedBySeq() {
        ReadModels s = new ReadModels();
        RecordedEvent revoke = at(T0, new KeyRevoked(70, 7, "leaked", 1));
        projection.apply(s, revoke);
        var entry = s.audit.get(revoke.seq());
        assertEquals("key.revoked", entry.action());
        assertEquals("70", entry.targetId());
        assertEquals(1L, entry.actorUserId());
        assertTrue(entry.details().contains("leaked"));
    }

    @Test
    void aLockedOutLoginIsAuditedAgainstItsUser() {
        ReadModels s = new ReadModels();
        RecordedEvent locked = at(T0, new LoginLockedOut(7, 10, T0.plus(Duration.ofMinutes(15))));
        projection.apply(s, locked);
        var entry = s.audit.get(locked.seq());
        assertEquals("auth.locked_out", entry.action());
        assertEquals("7", entry.targetId());
        assertEquals(7L, entry.actorUserId());
        assertTrue(entry.details().contains("failures=10"), entry.details());
    }

    private List<RecordedEvent> mixedUsageOfFiveAccounts(Random random) {
        List<RecordedEvent> events = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            long user = random.nextInt(5);
            events.add(at(T0.plusSeconds(i), usage(user, user * 10, "m" + random.nextInt(3), random.nextInt(50),
                    random.nextInt(50), random.nextInt(1000), "h" + random.nextInt(20), "cc" + random.nextInt(3))));
        }
        return events;
    }

    @Test
    void theOrderOfDifferentAccountsEventsDoesNotChangeTheResult() {
        Random random = new Random(42);
        List<RecordedEvent> events = mixedUsageOfFiveAccounts(random);
        ReadModels inOrder = new ReadModels();
        events.forEach(e -> projection.apply(inOrder, e));
        // Kafka keeps each account's order but interleaves accounts arbitrarily.
        List<List<RecordedEvent>> perAccount = new ArrayList<>();
        for (int u = 0; u < 5; u++) {
            String account = Integer.toString(u);
            perAccount.add(events.stream().filter(e -> e.accountId().equals(account)).toList());
        }
        Collections.shuffle(perAccount, random);
        ReadModels interleaved = new ReadModels();
        perAccount.forEach(list -> list.forEach(e -> projection.apply(interleaved, e)));
        assertEquals(List.of(), ReadModels.diff(inOrder, interleaved));
    }

    @Test
    void shardsHoldingDisjointAccountsAddUpToOneProjectionOfEverything() {
        List<RecordedEvent> events = new ArrayList<>(mixedUsageOfFiveAccounts(new Random(7)));
        events.add(at(T0, new CreditsAdded(3, 9_000_000, "top-up", "k", 1)));
        events.add(at(T0, new KeyRevoked(30, 3, "leaked", 1)));
        ReadModels whole = new ReadModels();
        events.forEach(e -> projection.apply(whole, e));
        ReadModels even = new ReadModels();
        ReadModels odd = new ReadModels();
        events.forEach(e -> projection.apply(Long.parseLong(e.accountId()) % 2 == 0 ? even : odd, e));
        ReadModels summed = new ReadModels();
        summed.add(even);
        summed.add(odd);
        assertEquals(List.of(), ReadModels.diff(whole, summed));
        assertEquals(whole.lastSeq, summed.lastSeq);
    }

    @Test
    void anAccountProjectedInTwoShardsIsRefusedWhenAdding() {
        ReadModels a = projection.apply(new ReadModels(), at(T0, usage(7, 70, "m", 1, 1, 1, "h", null)));
        ReadModels b = projection.apply(new ReadModels(), at(T0, usage(7, 70, "m", 1, 1, 1, "h", null)));
        ReadModels summed = new ReadModels();
        summed.add(a);
        assertThrows(IllegalStateException.class, () -> summed.add(b));
    }

    @Test
    void diffNamesTheModelKeyAndFieldThatDiffer() {
        RecordedEvent topUp = at(T0, new CreditsAdded(7, 5_000_000, "top-up", "k", 1));
        ReadModels live = projection.apply(new ReadModels(), topUp);
        ReadModels replayed = projection.apply(new ReadModels(), topUp);
        assertEquals(List.of(), ReadModels.diff(live, replayed));
        live.balances.put("7", new Balance(5_000_001, 0, 0));
        var diffs = ReadModels.diff(live, replayed);
        assertEquals(1, diffs.size());
        assertEquals("balance 7 creditsMicros: live=5000001 replayed=5000000", diffs.getFirst().toString());
    }
}
