package io.tollgate.gateway.plans;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.account.Granularity;
import io.tollgate.ledger.account.Policy;

/** Requests and tokens per minute, hour and day; null means no limit. Column and JSON names are the same. */
public record Limits(Long requestsPerMinute, Long requestsPerHour, Long requestsPerDay,
                     Long tokensPerMinute, Long tokensPerHour, Long tokensPerDay) implements Policy.RateLimits {
    public static final Limits NONE = new Limits(null, null, null, null, null, null);
    public static final String[] NAMES = {"requests_per_minute", "requests_per_hour", "requests_per_day",
            "tokens_per_minute", "tokens_per_hour", "tokens_per_day"};

    @Override
    public Long requests(Granularity g) {
        return switch (g) {
            case MINUTE -> requestsPerMinute;
            case HOUR -> requestsPerHour;
            case DAY -> requestsPerDay;
        };
    }

    @Override
    public Long tokens(Granularity g) {
        return switch (g) {
            case MINUTE -> tokensPerMinute;
            case HOUR -> tokensPerHour;
            case DAY -> tokensPerDay;
        };
    }

    /** These limits with each one {@code o} sets replaced: a user's own limits override its plan's. */
    public Limits overriddenBy(Limits o) {
        return new Limits(pick(o.requestsPerMinute, requestsPerMinute), pick(o.requestsPerHour, requestsPerHour),
                pick(o.requestsPerDay, requestsPerDay), pick(o.tokensPerMinute, tokensPerMinute),
                pick(o.tokensPerHour, tokensPerHour), pick(o.tokensPerDay, tokensPerDay));
    }

    public Map<String, Long> asMap() {
        Long[] values = values();
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.length; i++) {
            if (values[i] != null) {
                out.put(NAMES[i], values[i]);
            }
        }
        return out;
    }

    private Long[] values() {
        return new Long[] {requestsPerMinute, requestsPerHour, requestsPerDay, tokensPerMinute, tokensPerHour,
                tokensPerDay};
    }

    /** Reads the six columns named as {@link #NAMES}, starting at {@code first}. */
    public static Limits read(ResultSet rs, int first) throws SQLException {
        Long[] v = new Long[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            v[i] = Db.nullableLong(rs, first + i);
        }
        return new Limits(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    public void bind(PreparedStatement ps, int first) throws SQLException {
        Long[] v = values();
        for (int i = 0; i < v.length; i++) {
            ps.setObject(first + i, v[i]);
        }
    }

    /** Reads the limits from a request body: each a non-negative integer or null; unknown fields are refused. */
    public static Limits fromJson(ObjectNode body, java.util.Set<String> otherFields) {
        body.fieldNames().forEachRemaining(f -> {
            if (!otherFields.contains(f) && !java.util.Arrays.asList(NAMES).contains(f)) {
                throw ApiError.badRequest("unknown_field", "unknown field " + f + "; limits are " + String.join(", ", NAMES));
            }
        });
        Long[] v = new Long[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            JsonNode n = body.get(NAMES[i]);
            if (n == null || n.isNull()) {
                continue;
            }
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
                throw ApiError.badRequest("invalid_limit", NAMES[i] + " must be a non-negative integer or null");
            }
            v[i] = n.asLong();
        }
        return new Limits(v[0], v[1], v[2], v[3], v[4], v[5]);
    }

    private static Long pick(Long preferred, Long fallback) {
        return preferred != null ? preferred : fallback;
    }
}
