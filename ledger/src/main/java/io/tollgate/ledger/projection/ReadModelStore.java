package io.tollgate.ledger.projection;

import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import io.tollgate.ledger.account.AccountMonth;
import io.tollgate.ledger.projection.Rows.AuditEntry;
import io.tollgate.ledger.projection.Rows.DimensionKey;
import io.tollgate.ledger.projection.Rows.MonthKey;
import io.tollgate.ledger.projection.Rows.UsageRow;
import io.tollgate.ledger.account.Balance;
import io.tollgate.ledger.account.Granularity;
import io.tollgate.ledger.projection.Rows.PromptKey;
import io.tollgate.ledger.projection.Rows.PromptStats;
import io.tollgate.ledger.projection.Rows.Spend;
import io.tollgate.ledger.projection.Rows.SpendKey;
import io.tollgate.ledger.projection.Rows.SpendMonthKey;
import io.tollgate.ledger.projection.Rows.WindowCounts;
import io.tollgate.ledger.projection.Rows.WindowKey;

/**
 * Read models in Postgres. The live ones are in schema {@code public}; replay builds fresh ones in
 * schema {@code replay}. Rows are written as absolute values (the projector loads the rows a batch
 * touches, applies the batch with {@link Projection}, and writes them back).
 */
public final class ReadModelStore {
    public static final List<String> TABLES = List.of("rm_balance", "rm_rate_window", "rm_spend", "rm_prompt", "rm_audit",
            "rm_usage_event", "rm_account_month", "rm_spend_month", "rm_spend_dimension");
    private static final String DIMENSION_COLUMNS = "month, cost_centre, environment, dimension, value, requests, "
            + "prompt_tokens, completion_tokens, cost_micros, latency_ms, messages, repeats, wasted_micros";
    private static final String SPEND_MONTH_COLUMNS = "month, user_id, project, cost_centre, environment, model, "
            + "requests, prompt_tokens, completion_tokens, cost_micros, latency_ms, messages, repeats, wasted_micros";
    private static final String SPEND_COLUMNS = "day, user_id, key_id, project, cost_centre, environment, agent, model, "
            + "requests, prompt_tokens, completion_tokens, cost_micros, latency_ms, messages, repeats, wasted_micros";
    private static final String USAGE_COLUMNS = "seq, occurred_at, request_id, user_id, key_id, model, provider, endpoint, "
            + "streamed, prompt_tokens, completion_tokens, cost_micros, latency_ms, upstream_status, tokens_estimated, "
            + "cost_centre, project, environment, agent, messages, deployment, unpriced";
    private static final String MONTH_COLUMNS = "account_id, month, credits_micros, spent_micros, requests, first_seq, last_seq";
    private static final String BALANCE_COLUMNS = "account_id, credits_micros, spent_micros, requests";
    private static final String PROMPT_COLUMNS = "account_id, prompt_hash, model, first_seen, last_seen, occurrences, "
            + "repeats, wasted_micros";
    private static final String WINDOW_COLUMNS = "subject, subject_id, granularity, window_start, requests, tokens";
    private static final String AUDIT_COLUMNS = "seq, occurred_at, actor_user_id, action, target_type, target_id, "
            + "account_id, outcome, details";
    private final String schema;
    /** Whether the tables are fresh and get each row once, so rows are loaded with COPY. */
    private final boolean bulk;

    public ReadModelStore(String schema) {
        this(schema, false);
    }

    private ReadModelStore(String schema, boolean bulk) {
        this.schema = schema;
        this.bulk = bulk;
    }

    /**
     * The store replay fills: its tables are made by {@link #createFresh} and every row is written
     * once (event rows as shards drain them, the rest in one {@link #save}), so rows go in with COPY;
     * a row written twice fails on its primary key (at once, or when {@link #buildIndexes} adds it
     * back), it is never counted twice.
     */
    public static ReadModelStore freshForReplay(String schema) {
        return new ReadModelStore(schema, true);
    }

    /**
     * Writes rows whose first {@code keys} columns are their key, replacing a stored row's other
     * columns; into a fresh replay table with COPY.
     */
    private RowWriter replacing(Connection c, String table, String columns, int keys) throws SQLException {
        List<String> names = List.of(columns.split(",\\s*"));
        return writer(c, table, columns, onConflict(names, keys) + " DO UPDATE SET " + names.subList(keys, names.size())
                .stream().map(n -> n + " = EXCLUDED." + n).collect(Collectors.joining(", ")));
    }

    /** Writes rows whose first {@code keys} columns are their key; a row already stored stays as it is. */
    private RowWriter adding(Connection c, String table, String columns, int keys) throws SQLException {
        return writer(c, table, columns, onConflict(List.of(columns.split(",\\s*")), keys) + " DO NOTHING");
    }

    private static String onConflict(List<String> columns, int keys) {
        return "ON CONFLICT (" + String.join(", ", columns.subList(0, keys)) + ")";
    }

    private RowWriter writer(Connection c, String table, String columns, String onConflict) throws SQLException {
        return bulk ? RowWriter.copy(c, schema + "." + table, columns)
                : RowWriter.upsert(c, schema + "." + table, columns, onConflict);
    }

    /** Drops and recreates this schema's read-model tables, shaped like the live ones. */
    public void createFresh(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
            for (String t : TABLES) {
                s.execute("CREATE TABLE " + schema + "." + t + " (LIKE public." + t + " INCLUDING ALL)");
            }
        }
    }

    /**
     * Drops this schema's secondary indexes and returns how to build them again ({@link #buildIndexes}):
     * bulk-loading millions of rows into unindexed tables and indexing once is much cheaper than
     * maintaining every index row by row. A store that loads with COPY ({@link #freshForReplay}) drops
     * its primary keys too: nothing needs them until the end, and adding them back fails if any row
     * was written twice. An upserting store keeps them; its ON CONFLICT needs them.
     */
    public List<String> deferIndexes(Connection c) throws SQLException {
        List<String> drops = new ArrayList<>();
        List<String> builds = new ArrayList<>();
        try (PreparedStatement q = c.prepareStatement("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                + "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace "
                + "WHERE n.nspname = ? AND NOT x.indisunique")) {
            q.setString(1, schema);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    drops.add("DROP INDEX " + schema + "." + rs.getString(1));
                    builds.add(rs.getString(2));
                }
            }
        }
        if (bulk) {
            try (PreparedStatement q = c.prepareStatement("SELECT t.relname, k.conname, pg_get_constraintdef(k.oid) "
                    + "FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n "
                    + "ON n.oid = t.relnamespace WHERE n.nspname = ? AND k.contype IN ('p', 'u')")) {
                q.setString(1, schema);
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        String table = schema + "." + rs.getString(1);
                        drops.add("ALTER TABLE " + table + " DROP CONSTRAINT " + rs.getString(2));
                        builds.add("ALTER TABLE " + table + " ADD CONSTRAINT " + rs.getString(2) + " " + rs.getString(3));
                    }
                }
            }
        }
        try (Statement s = c.createStatement()) {
            for (String drop : drops) {
                s.execute(drop);
            }
        }
        return builds;
    }

    public void buildIndexes(Connection c, List<String> definitions) throws SQLException {
        try (Statement s = c.createStatement()) {
            for (String definition : definitions) {
                s.execute(definition);
            }
        }
    }

    /** Every row of every read model. */
    public ReadModels loadAll(Connection c) throws SQLException {
        ReadModels m = loadAggregates(c);
        try (PreparedStatement q = c.prepareStatement("SELECT " + USAGE_COLUMNS + " FROM " + schema + ".rm_usage_event");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.usage.put(rs.getLong(1), new UsageRow(rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getLong(4),
                        rs.getLong(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getBoolean(9),
                        rs.getLong(10), rs.getLong(11), rs.getLong(12), rs.getLong(13), rs.getInt(14), rs.getBoolean(15),
                        rs.getString(16), rs.getString(17), rs.getString(18), rs.getString(19), rs.getLong(20),
                        rs.getString(21), rs.getBoolean(22)));
            }
        }
        try (PreparedStatement q = c.prepareStatement("SELECT " + AUDIT_COLUMNS + " FROM " + schema + ".rm_audit");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                long actorId = rs.getLong(3);
                Long actor = rs.wasNull() ? null : actorId;
                m.audit.put(rs.getLong(1), new AuditEntry(rs.getTimestamp(2).toInstant(), actor,
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8),
                        rs.getString(9)));
            }
        }
        return m;
    }

    /**
     * The summed read models only, without the one-row-per-event ones (usage events, audit), which
     * grow with the ledger and are compared in SQL instead ({@link #eventRowDifferences}).
     */
    public ReadModels loadAggregates(Connection c) throws SQLException {
        ReadModels m = new ReadModels();
        try (PreparedStatement q = c.prepareStatement("SELECT " + BALANCE_COLUMNS + " FROM " + schema + ".rm_balance")) {
            readBalances(q, m);
        }
        try (PreparedStatement q = c.prepareStatement("SELECT " + WINDOW_COLUMNS + " FROM " + schema + ".rm_rate_window")) {
            readWindows(q, m);
        }
        try (PreparedStatement q = c.prepareStatement("SELECT " + SPEND_COLUMNS + " FROM " + schema + ".rm_spend")) {
            readSpend(q, m);
        }
        try (PreparedStatement q = c.prepareStatement("SELECT " + MONTH_COLUMNS + " FROM " + schema + ".rm_account_month")) {
            readMonths(q, m);
        }
        try (PreparedStatement q = c.prepareStatement("SELECT " + SPEND_MONTH_COLUMNS + " FROM " + schema
                + ".rm_spend_month")) {
            readSpendMonths(q, m);
        }
        try (PreparedStatement q = c.prepareStatement("SELECT " + DIMENSION_COLUMNS + " FROM " + schema
                + ".rm_spend_dimension")) {
            readDimensions(q, m);
        }
        try (PreparedStatement q = c.prepareStatement("SELECT " + PROMPT_COLUMNS + " FROM " + schema + ".rm_prompt")) {
            readPrompts(q, m);
        }
        return m;
    }

    /**
     * The stored rows for every key that {@code touched} holds (the keys a batch will change), so the
     * batch can be applied on top of them.
     */
    public ReadModels loadRowsOf(Connection c, ReadModels touched) throws SQLException {
        ReadModels m = new ReadModels();
        if (!touched.balances.isEmpty()) {
            try (PreparedStatement q = c.prepareStatement("SELECT account_id, credits_micros, spent_micros, requests FROM "
                    + schema + ".rm_balance WHERE account_id = ANY(?)")) {
                q.setArray(1, c.createArrayOf("text", touched.balances.keySet().toArray()));
                readBalances(q, m);
            }
        }
        if (!touched.prompts.isEmpty()) {
            String[] accounts = touched.prompts.keySet().stream().map(PromptKey::accountId).toArray(String[]::new);
            String[] hashes = touched.prompts.keySet().stream().map(PromptKey::promptHash).toArray(String[]::new);
            String[] models = touched.prompts.keySet().stream().map(PromptKey::model).toArray(String[]::new);
            try (PreparedStatement q = c.prepareStatement("SELECT p.account_id, p.prompt_hash, p.model, first_seen, "
                    + "last_seen, occurrences, repeats, wasted_micros FROM " + schema + ".rm_prompt p JOIN "
                    + "unnest(?::text[], ?::text[], ?::text[]) AS k(a, h, m) ON p.account_id = k.a "
                    + "AND p.prompt_hash = k.h AND p.model = k.m")) {
                q.setArray(1, c.createArrayOf("text", accounts));
                q.setArray(2, c.createArrayOf("text", hashes));
                q.setArray(3, c.createArrayOf("text", models));
                readPrompts(q, m);
            }
        }
        if (!touched.rateWindows.isEmpty()) {
            Object[] subjects = touched.rateWindows.keySet().stream().map(WindowKey::subject).toArray();
            Object[] ids = touched.rateWindows.keySet().stream().map(WindowKey::subjectId).toArray();
            Object[] grains = touched.rateWindows.keySet().stream().map(k -> k.granularity().name()).toArray();
            Object[] starts = touched.rateWindows.keySet().stream().map(k -> Timestamp.from(k.start())).toArray();
            try (PreparedStatement q = c.prepareStatement("SELECT w.subject, w.subject_id, w.granularity, w.window_start, "
                    + "requests, tokens FROM " + schema + ".rm_rate_window w JOIN unnest(?::text[], ?::bigint[], "
                    + "?::text[], ?::timestamptz[]) AS k(s, i, g, t) ON w.subject = k.s AND w.subject_id = k.i "
                    + "AND w.granularity = k.g AND w.window_start = k.t")) {
                q.setArray(1, c.createArrayOf("text", subjects));
                q.setArray(2, c.createArrayOf("bigint", ids));
                q.setArray(3, c.createArrayOf("text", grains));
                q.setArray(4, c.createArrayOf("timestamptz", starts));
                readWindows(q, m);
            }
        }
        if (!touched.spend.isEmpty()) {
            var keys = touched.spend.keySet();
            try (PreparedStatement q = c.prepareStatement("SELECT " + SPEND_COLUMNS + " FROM " + schema + ".rm_spend "
                    + "JOIN unnest(?::date[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], "
                    + "?::text[]) AS k(kd, ku, kk, kp, kc, ke, ka, km) ON day = kd AND user_id = ku AND key_id = kk "
                    + "AND project = kp AND cost_centre = kc AND environment = ke AND agent = ka AND model = km")) {
                q.setArray(1, c.createArrayOf("date", keys.stream().map(k -> Date.valueOf(k.day())).toArray()));
                q.setArray(2, c.createArrayOf("bigint", keys.stream().map(SpendKey::userId).toArray()));
                q.setArray(3, c.createArrayOf("bigint", keys.stream().map(SpendKey::keyId).toArray()));
                q.setArray(4, c.createArrayOf("text", keys.stream().map(SpendKey::project).toArray()));
                q.setArray(5, c.createArrayOf("text", keys.stream().map(SpendKey::costCentre).toArray()));
                q.setArray(6, c.createArrayOf("text", keys.stream().map(SpendKey::environment).toArray()));
                q.setArray(7, c.createArrayOf("text", keys.stream().map(SpendKey::agent).toArray()));
                q.setArray(8, c.createArrayOf("text", keys.stream().map(SpendKey::model).toArray()));
                readSpend(q, m);
            }
        }
        if (!touched.spendMonths.isEmpty()) {
            var keys = touched.spendMonths.keySet();
            try (PreparedStatement q = c.prepareStatement("SELECT " + SPEND_MONTH_COLUMNS + " FROM " + schema
                    + ".rm_spend_month JOIN unnest(?::date[], ?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[]) "
                    + "AS k(km, ku, kp, kc, ke, kmo) ON month = km AND user_id = ku AND project = kp "
                    + "AND cost_centre = kc AND environment = ke AND model = kmo")) {
                q.setArray(1, c.createArrayOf("date", keys.stream().map(k -> Date.valueOf(k.month().atDay(1))).toArray()));
                q.setArray(2, c.createArrayOf("bigint", keys.stream().map(SpendMonthKey::userId).toArray()));
                q.setArray(3, c.createArrayOf("text", keys.stream().map(SpendMonthKey::project).toArray()));
                q.setArray(4, c.createArrayOf("text", keys.stream().map(SpendMonthKey::costCentre).toArray()));
                q.setArray(5, c.createArrayOf("text", keys.stream().map(SpendMonthKey::environment).toArray()));
                q.setArray(6, c.createArrayOf("text", keys.stream().map(SpendMonthKey::model).toArray()));
                readSpendMonths(q, m);
            }
        }
        if (!touched.spendDimensions.isEmpty()) {
            var keys = touched.spendDimensions.keySet();
            try (PreparedStatement q = c.prepareStatement("SELECT " + DIMENSION_COLUMNS + " FROM " + schema
                    + ".rm_spend_dimension JOIN unnest(?::date[], ?::text[], ?::text[], ?::text[], ?::text[]) "
                    + "AS k(km, kc, ke, kd, kv) ON month = km AND cost_centre = kc AND environment = ke "
                    + "AND dimension = kd AND value = kv")) {
                q.setArray(1, c.createArrayOf("date", keys.stream().map(k -> Date.valueOf(k.month().atDay(1))).toArray()));
                q.setArray(2, c.createArrayOf("text", keys.stream().map(DimensionKey::costCentre).toArray()));
                q.setArray(3, c.createArrayOf("text", keys.stream().map(DimensionKey::environment).toArray()));
                q.setArray(4, c.createArrayOf("text", keys.stream().map(DimensionKey::dimension).toArray()));
                q.setArray(5, c.createArrayOf("text", keys.stream().map(DimensionKey::value).toArray()));
                readDimensions(q, m);
            }
        }
        if (!touched.months.isEmpty()) {
            var keys = touched.months.keySet();
            try (PreparedStatement q = c.prepareStatement("SELECT " + MONTH_COLUMNS.replace("account_id, month",
                    "a.account_id, a.month") + " FROM " + schema + ".rm_account_month a JOIN unnest(?::text[], ?::date[]) "
                    + "AS k(a, m) ON a.account_id = k.a AND a.month = k.m")) {
                q.setArray(1, c.createArrayOf("text", keys.stream().map(MonthKey::accountId).toArray()));
                q.setArray(2, c.createArrayOf("date", keys.stream().map(k -> Date.valueOf(k.month().atDay(1))).toArray()));
                readMonths(q, m);
            }
        }
        return m;
    }

    /** Writes every row of {@code rows}, replacing stored values (audit rows are only ever inserted). */
    public void save(Connection c, ReadModels rows) throws SQLException {
        try (RowWriter w = replacing(c, "rm_balance", BALANCE_COLUMNS, 1)) {
            for (var e : rows.balances.entrySet()) {
                Balance b = e.getValue();
                w.row(e.getKey(), b.creditsMicros(), b.spentMicros(), b.requests());
            }
        }
        try (RowWriter w = replacing(c, "rm_rate_window", WINDOW_COLUMNS, 4)) {
            for (var e : rows.rateWindows.entrySet()) {
                WindowKey k = e.getKey();
                w.row(k.subject(), k.subjectId(), k.granularity().name(), k.start(), e.getValue().requests(),
                        e.getValue().tokens());
            }
        }
        if (!rows.rateWindows.isEmpty()) {
            dropExpiredWindows(c);
        }
        try (RowWriter w = replacing(c, "rm_spend", SPEND_COLUMNS, 8)) {
            for (var e : rows.spend.entrySet()) {
                SpendKey k = e.getKey();
                w.row(withSpend(e.getValue(), k.day(), k.userId(), k.keyId(), k.project(), k.costCentre(),
                        k.environment(), k.agent(), k.model()));
            }
        }
        try (RowWriter w = replacing(c, "rm_prompt", PROMPT_COLUMNS, 3)) {
            for (var e : rows.prompts.entrySet()) {
                PromptKey k = e.getKey();
                PromptStats v = e.getValue();
                w.row(k.accountId(), k.promptHash(), k.model(), v.firstSeen(), v.lastSeen(), v.occurrences(), v.repeats(),
                        v.wastedMicros());
            }
        }
        saveEventRows(c, rows);
        saveMonths(c, rows);
    }

    /** Writes the one-row-per-event read models (usage events, audit) of {@code rows}; rows already stored stay. */
    public void saveEventRows(Connection c, ReadModels rows) throws SQLException {
        try (RowWriter w = adding(c, "rm_audit", AUDIT_COLUMNS, 1)) {
            for (var e : rows.audit.long2ObjectEntrySet()) {
                AuditEntry a = e.getValue();
                w.row(e.getLongKey(), a.occurredAt(), a.actorUserId(), a.action(), a.targetType(), a.targetId(),
                        a.accountId(), a.outcome(), a.details());
            }
        }
        try (RowWriter w = adding(c, "rm_usage_event", USAGE_COLUMNS, 1)) {
            for (var e : rows.usage.long2ObjectEntrySet()) {
                UsageRow r = e.getValue();
                w.row(e.getLongKey(), r.occurredAt(), r.requestId(), r.userId(), r.keyId(), r.model(), r.provider(),
                        r.endpoint(), r.streamed(), r.promptTokens(), r.completionTokens(), r.costMicros(), r.latencyMs(),
                        r.upstreamStatus(), r.tokensEstimated(), r.costCentre(), r.project(), r.environment(), r.agent(),
                        r.messages(), r.deployment(), r.unpriced());
            }
        }
    }

    /** {@link Projection#dropExpiredWindows}, on the stored windows. */
    private void dropExpiredWindows(Connection c) throws SQLException {
        try (PreparedStatement d = c.prepareStatement("DELETE FROM " + schema + ".rm_rate_window WHERE granularity = ? "
                + "AND window_start < (SELECT max(window_start) FROM " + schema + ".rm_rate_window WHERE granularity = "
                + "'MINUTE') - make_interval(secs => ?)")) {
            for (Granularity g : Granularity.values()) {
                if (g.retentionSeconds() != Long.MAX_VALUE) {
                    d.setString(1, g.name());
                    d.setLong(2, g.retentionSeconds());
                    d.addBatch();
                }
            }
            d.executeBatch();
        }
    }

    /**
     * Every usage-event and audit row that differs between this schema (live) and {@code replayed}'s,
     * compared in Postgres: these models have a row per event, too many to hold for a comparison.
     */
    public List<ReadModels.Difference> eventRowDifferences(Connection c, ReadModelStore replayed) throws SQLException {
        List<ReadModels.Difference> out = new ArrayList<>();
        for (String[] model : new String[][] {{"usage_event", "rm_usage_event"}, {"audit", "rm_audit"}}) {
            try (PreparedStatement q = c.prepareStatement("SELECT coalesce(l.seq, r.seq), l::text, r::text FROM "
                    + schema + "." + model[1] + " l FULL JOIN " + replayed.schema + "." + model[1] + " r ON l.seq = r.seq "
                    + "WHERE l IS DISTINCT FROM r ORDER BY 1 LIMIT 1000");
                 ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    out.add(new ReadModels.Difference(model[0], Long.toString(rs.getLong(1)), "row",
                            rs.getString(2) == null ? "missing" : rs.getString(2),
                            rs.getString(3) == null ? "missing" : rs.getString(3)));
                }
            }
        }
        return out;
    }

    private void saveMonths(Connection c, ReadModels rows) throws SQLException {
        try (RowWriter w = replacing(c, "rm_spend_month", SPEND_MONTH_COLUMNS, 6)) {
            for (var e : rows.spendMonths.entrySet()) {
                SpendMonthKey k = e.getKey();
                w.row(withSpend(e.getValue(), k.month().atDay(1), k.userId(), k.project(), k.costCentre(),
                        k.environment(), k.model()));
            }
        }
        try (RowWriter w = replacing(c, "rm_spend_dimension", DIMENSION_COLUMNS, 5)) {
            for (var e : rows.spendDimensions.entrySet()) {
                DimensionKey k = e.getKey();
                w.row(withSpend(e.getValue(), k.month().atDay(1), k.costCentre(), k.environment(), k.dimension(),
                        k.value()));
            }
        }
        try (RowWriter w = replacing(c, "rm_account_month", MONTH_COLUMNS, 2)) {
            for (var e : rows.months.entrySet()) {
                AccountMonth a = e.getValue();
                w.row(e.getKey().accountId(), e.getKey().month().atDay(1), a.creditsMicros(), a.spentMicros(),
                        a.requests(), a.firstSeq(), a.lastSeq());
            }
        }
    }

    /** A spend row's values: its key's, then the sums in {@code SPEND_COLUMNS}' order. */
    private static Object[] withSpend(Spend v, Object... key) {
        Object[] row = Arrays.copyOf(key, key.length + 8);
        Object[] sums = {v.requests(), v.promptTokens(), v.completionTokens(), v.costMicros(), v.latencyMs(),
            v.messages(), v.repeats(), v.wastedMicros()};
        System.arraycopy(sums, 0, row, key.length, sums.length);
        return row;
    }


    private static Spend spend(ResultSet rs, int first) throws SQLException {
        return new Spend(rs.getLong(first), rs.getLong(first + 1), rs.getLong(first + 2), rs.getLong(first + 3),
                rs.getLong(first + 4), rs.getLong(first + 5), rs.getLong(first + 6), rs.getLong(first + 7));
    }

    private static void readSpendMonths(PreparedStatement q, ReadModels m) throws SQLException {
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.spendMonths.put(new SpendMonthKey(YearMonth.from(rs.getDate(1).toLocalDate()), rs.getLong(2),
                        rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)), spend(rs, 7));
            }
        }
    }

    private static void readDimensions(PreparedStatement q, ReadModels m) throws SQLException {
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.spendDimensions.put(new DimensionKey(YearMonth.from(rs.getDate(1).toLocalDate()), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getString(5)), spend(rs, 6));
            }
        }
    }

    private static void readMonths(PreparedStatement q, ReadModels m) throws SQLException {
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.months.put(new MonthKey(rs.getString(1), YearMonth.from(rs.getDate(2).toLocalDate())),
                        new AccountMonth(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7)));
            }
        }
    }

    private static void readBalances(PreparedStatement q, ReadModels m) throws SQLException {
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.balances.put(rs.getString(1), new Balance(rs.getLong(2), rs.getLong(3), rs.getLong(4)));
            }
        }
    }

    private static void readWindows(PreparedStatement q, ReadModels m) throws SQLException {
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.rateWindows.put(new WindowKey(rs.getString(1), rs.getLong(2), Granularity.valueOf(rs.getString(3)),
                        rs.getTimestamp(4).toInstant()), new WindowCounts(rs.getLong(5), rs.getLong(6)));
            }
        }
    }

    private static void readSpend(PreparedStatement q, ReadModels m) throws SQLException {
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.spend.put(new SpendKey(rs.getDate(1).toLocalDate(), rs.getLong(2), rs.getLong(3), rs.getString(4),
                                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)),
                        spend(rs, 9));
            }
        }
    }

    private static void readPrompts(PreparedStatement q, ReadModels m) throws SQLException {
        try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                m.prompts.put(new PromptKey(rs.getString(1), rs.getString(2), rs.getString(3)),
                        new PromptStats(rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant(), rs.getLong(6),
                                rs.getLong(7), rs.getLong(8)));
            }
        }
    }
}
