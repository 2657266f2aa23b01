package io.tollgate.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

import io.tollgate.ledger.projection.Rows.Granularity;

/**
 * One account's totals as of a ledger position, summed by Postgres over the account's events (exact
 * integer sums of micro-units): what the gateway's in-memory budgets and rate windows start from.
 * The windows are the projector's (UTC minute, hour and day containing {@code now}).
 */
public record AccountTotals(long creditsMicros, Map<Long, KeyTotals> keys) {

    /** Usage of one key: lifetime, this calendar month (UTC), and the current minute, hour and day windows. */
    public record KeyTotals(long requests, long spentMicros, long monthSpentMicros, long monthTokens,
                            long[] windowRequests, long[] windowTokens) {
    }

    public static AccountTotals load(Connection c, String accountId, long uptoSeq, Instant now) throws SQLException {
        Instant month = YearMonth.from(now.atOffset(ZoneOffset.UTC)).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        StringBuilder sql = new StringBuilder("SELECT (payload->>'key_id')::bigint, "
                + "count(*) FILTER (WHERE type = 'UsageRecorded'), "
                + "coalesce(sum((payload->>'cost_micros')::bigint) FILTER (WHERE type = 'UsageRecorded'), 0), "
                + "coalesce(sum((payload->>'amount_micros')::bigint) FILTER (WHERE type = 'CreditsAdded'), 0), "
                + "coalesce(sum((payload->>'cost_micros')::bigint) FILTER (WHERE type = 'UsageRecorded' AND occurred_at >= ?), 0), "
                + "coalesce(sum((payload->>'total_tokens')::bigint) FILTER (WHERE type = 'UsageRecorded' AND occurred_at >= ?), 0)");
        for (int i = 0; i < Granularity.values().length; i++) {
            sql.append(", count(*) FILTER (WHERE type = 'UsageRecorded' AND occurred_at >= ?), ")
                    .append("coalesce(sum((payload->>'total_tokens')::bigint) FILTER (WHERE type = 'UsageRecorded' AND occurred_at >= ?), 0)");
        }
        sql.append(" FROM ledger_event WHERE account_id = ? AND seq <= ? AND type IN ('UsageRecorded', 'CreditsAdded') GROUP BY 1");
        try (PreparedStatement q = c.prepareStatement(sql.toString())) {
            int p = 1;
            q.setTimestamp(p++, Timestamp.from(month));
            q.setTimestamp(p++, Timestamp.from(month));
            for (Granularity g : Granularity.values()) {
                Timestamp start = Timestamp.from(g.windowStart(now));
                q.setTimestamp(p++, start);
                q.setTimestamp(p++, start);
            }
            q.setString(p++, accountId);
            q.setLong(p, uptoSeq);
            long credits = 0;
            Map<Long, KeyTotals> keys = new HashMap<>();
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    credits = Math.addExact(credits, rs.getLong(4));
                    long keyId = rs.getLong(1);
                    if (rs.wasNull()) {
                        continue;
                    }
                    int n = Granularity.values().length;
                    long[] requests = new long[n];
                    long[] tokens = new long[n];
                    for (int i = 0; i < n; i++) {
                        requests[i] = rs.getLong(7 + 2 * i);
                        tokens[i] = rs.getLong(8 + 2 * i);
                    }
                    keys.put(keyId, new KeyTotals(rs.getLong(2), rs.getLong(3), rs.getLong(5), rs.getLong(6), requests, tokens));
                }
            }
            return new AccountTotals(credits, keys);
        }
    }
}
