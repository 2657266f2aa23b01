package io.tollgate.gateway.reports;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A SQL {@code WHERE} clause built condition by condition, with its parameters in order. */
final class Where {
    private final List<String> conditions = new ArrayList<>();
    private final List<Object> parameters = new ArrayList<>();

    Where and(String condition, Object... values) {
        conditions.add(condition);
        parameters.addAll(List.of(values));
        return this;
    }

    Where andIf(boolean present, String condition, Object... values) {
        return present ? and(condition, values) : this;
    }

    /** Equality on each column the request's query names ({@code ?cost_centre=…&environment=…}). */
    Where andQueried(io.helidon.webserver.http.ServerRequest req, String... columns) {
        for (String column : columns) {
            req.query().first(column).ifPresent(value -> and(column + " = ?", value));
        }
        return this;
    }

    Where andAll(Where other) {
        conditions.addAll(other.conditions);
        parameters.addAll(other.parameters);
        return this;
    }

    String sql() {
        return conditions.isEmpty() ? "TRUE" : String.join(" AND ", conditions);
    }

    /** Binds the parameters from position {@code first}; returns the next free position. */
    int bind(PreparedStatement ps, int first) throws SQLException {
        int i = first;
        for (Object p : parameters) {
            ps.setObject(i++, p);
        }
        return i;
    }
}
