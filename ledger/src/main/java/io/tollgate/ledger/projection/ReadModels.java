package io.tollgate.ledger.projection;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

import io.tollgate.ledger.account.AccountMonth;
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
 * The projector's read models as plain maps: the whole state during replay, or the rows one batch
 * touches in the live projector. {@link Projection} is the only code that changes them.
 */
public final class ReadModels {
    /** One field that differs between two sets of read models. */
    public record Difference(String model, String key, String field, String live, String replayed) {
        @Override
        public String toString() {
            return model + " " + key + " " + field + ": live=" + live + " replayed=" + replayed;
        }
    }

    public final Map<String, Balance> balances = new HashMap<>();
    public final RateWindows rateWindows = new RateWindows();
    public final Map<SpendKey, Spend> spend = new HashMap<>();
    public final Map<SpendMonthKey, Spend> spendMonths = new HashMap<>();
    public final Map<DimensionKey, Spend> spendDimensions = new HashMap<>();
    public final Map<PromptKey, PromptStats> prompts = new HashMap<>();
    /** By ledger seq; primitive keys because replay holds a row per event. */
    public final Long2ObjectMap<AuditEntry> audit = new Long2ObjectOpenHashMap<>();
    public final Long2ObjectMap<UsageRow> usage = new Long2ObjectOpenHashMap<>();
    public final Map<MonthKey, AccountMonth> months = new HashMap<>();
    /** Highest ledger seq applied; not compared, it only says how far the state goes. */
    public long lastSeq;
    private final Map<String, String> interned = new HashMap<>();

    /** The one instance of {@code s} these read models use (null stays null); for low-cardinality values only. */
    String intern(String s) {
        if (s == null) {
            return null;
        }
        String known = interned.putIfAbsent(s, s);
        return known == null ? s : known;
    }

    /**
     * Adds a shard's read models to these: sums add up; rows that belong to one account or one event
     * (prompts, audit, usage events) cannot be in two shards, which is checked.
     */
    public void add(ReadModels shard) {
        shard.balances.forEach((k, v) -> balances.merge(k, v, Balance::plus));
        rateWindows.addAll(shard.rateWindows);
        shard.spend.forEach((k, v) -> spend.merge(k, v, Spend::plus));
        shard.spendMonths.forEach((k, v) -> spendMonths.merge(k, v, Spend::plus));
        shard.spendDimensions.forEach((k, v) -> spendDimensions.merge(k, v, Spend::plus));
        shard.months.forEach((k, v) -> months.merge(k, v, AccountMonth::plus));
        addDisjoint("prompt", shard.prompts, prompts);
        addDisjoint("audit", shard.audit, audit);
        addDisjoint("usage_event", shard.usage, usage);
        lastSeq = Math.max(lastSeq, shard.lastSeq);
    }

    /**
     * Checks first, then {@code putAll}, which sizes the table before inserting: inserting one open-addressing
     * table's keys into a smaller one in slot order piles them into long probe runs (summing two shards'
     * million usage rows took 10 s that way).
     */
    private static <V> void addDisjoint(String model, Long2ObjectMap<V> from, Long2ObjectMap<V> to) {
        for (long seq : from.keySet()) {
            if (to.containsKey(seq)) {
                throw new IllegalStateException(model + " " + seq + " was projected by two shards");
            }
        }
        to.putAll(from);
    }

    private static <K, V> void addDisjoint(String model, Map<K, V> from, Map<K, V> to) {
        from.forEach((k, v) -> to.merge(k, v, (a, b) -> {
            throw new IllegalStateException(model + " " + k + " was projected by two shards");
        }));
    }

    /** Every difference between {@code live} and {@code replayed}, field by field. Empty means identical. */
    public static List<Difference> diff(ReadModels live, ReadModels replayed) {
        List<Difference> out = new ArrayList<>();
        diff("balance", live.balances, replayed.balances, out);
        diff("rate_window", live.rateWindows, replayed.rateWindows, out);
        diff("spend", live.spend, replayed.spend, out);
        diff("spend_month", live.spendMonths, replayed.spendMonths, out);
        diff("spend_dimension", live.spendDimensions, replayed.spendDimensions, out);
        diff("prompt", live.prompts, replayed.prompts, out);
        diff("audit", live.audit, replayed.audit, out);
        diff("usage_event", live.usage, replayed.usage, out);
        diff("account_month", live.months, replayed.months, out);
        return out;
    }

    private static <K, V extends Record> void diff(String model, Map<K, V> live, Map<K, V> replayed,
                                                   List<Difference> out) {
        TreeSet<String> seen = new TreeSet<>();
        Map<String, K> byName = new HashMap<>();
        for (K k : live.keySet()) {
            byName.put(k.toString(), k);
        }
        for (K k : replayed.keySet()) {
            byName.put(k.toString(), k);
        }
        seen.addAll(byName.keySet());
        for (String name : seen) {
            K key = byName.get(name);
            V a = live.get(key);
            V b = replayed.get(key);
            if (Objects.equals(a, b)) {
                continue;
            }
            if (a == null || b == null) {
                out.add(new Difference(model, name, "row", a == null ? "missing" : a.toString(),
                        b == null ? "missing" : b.toString()));
                continue;
            }
            for (RecordComponent c : a.getClass().getRecordComponents()) {
                Object va = value(c, a);
                Object vb = value(c, b);
                if (!Objects.equals(va, vb)) {
                    out.add(new Difference(model, name, c.getName(), String.valueOf(va), String.valueOf(vb)));
                }
            }
        }
    }

    private static Object value(RecordComponent c, Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
