package io.tollgate.gateway.reports;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.http.ApiError;

/**
 * Query parameters shared by the reports: dates ({@code 2026-10-31}) or instants
 * ({@code 2026-10-31T12:00:00Z}), UTC, each refused with a 400 naming the parameter.
 */
final class Period {
    private Period() {
    }

    /** A day (inclusive bound of a day-based report); an instant counts as its UTC day. */
    static Optional<LocalDate> day(ServerRequest req, String name) {
        return req.query().first(name).map(v -> parse(name, v, false).atOffset(ZoneOffset.UTC).toLocalDate());
    }

    /** An instant; a date means the start of that UTC day, or with {@code endOfDay} the start of the next. */
    static Optional<Instant> instant(ServerRequest req, String name, boolean endOfDay) {
        return req.query().first(name).map(v -> parse(name, v, endOfDay));
    }

    private static Instant parse(String name, String value, boolean endOfDay) {
        try {
            if (value.length() <= 10) {
                LocalDate d = LocalDate.parse(value);
                return (endOfDay ? d.plusDays(1) : d).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("invalid_" + name, name + " must be a date (2026-10-31) or an instant "
                    + "(2026-10-31T12:00:00Z)");
        }
    }

    static YearMonth month(ServerRequest req, String name) {
        String v = req.query().first(name).orElseThrow(() -> ApiError.badRequest("missing_" + name,
                name + " is required, e.g. " + name + "=2026-10"));
        try {
            return YearMonth.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("invalid_" + name, name + " must look like 2026-10");
        }
    }

    static int limit(ServerRequest req, int fallback, int max) {
        String v = req.query().first("limit").orElse(null);
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal
        }
        throw ApiError.badRequest("invalid_limit", "limit must be an integer from 1 to " + max);
    }

    static Optional<Long> id(ServerRequest req, String name) {
        return req.query().first(name).map(v -> {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw ApiError.badRequest("invalid_" + name, name + " must be a number");
            }
        });
    }
}
