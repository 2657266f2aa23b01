package io.tollgate.gateway.http;

import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.helidon.http.RequestException;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerResponse;

/** The one place where failures become HTTP replies. No stack trace or secret ever reaches a body. */
public final class ErrorResponses {
    private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());

    private ErrorResponses() {
    }

    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiError.class, (req, res, e) -> send(res, e))
                .error(RequestException.class, (req, res, e) -> send(res,
                        new ApiError(e.status().code() >= 500 ? 400 : e.status().code(), "invalid_request_error",
                                "bad_request", "malformed request")))
                .error(UncheckedIOException.class, (req, res, e) -> send(res,
                        ApiError.badRequest("bad_request", "request body could not be read")))
                .error(SQLException.class, (req, res, e) -> send(res, databaseDown(e)))
                .error(DatabaseException.class, (req, res, e) -> send(res, databaseDown(e.getCause())))
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(Level.SEVERE, "unhandled error on " + req.prologue().method() + " " + req.path().path(), e);
                    send(res, new ApiError(500, "server_error", "internal_error", "internal error"));
                });
    }

    public static ApiError databaseDown(Throwable e) {
        boolean connectivity = e instanceof SQLTransientConnectionException
                || (e instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("08"));
        LOG.log(Level.WARNING, "database error: " + e.getMessage());
        return connectivity
                ? ApiError.unavailable("database_unavailable", "the database is unavailable; retry shortly")
                : new ApiError(500, "server_error", "database_error", "database error");
    }

    public static void send(ServerResponse res, ApiError e) {
        if (res.isSent()) {
            return;
        }
        e.headers().forEach(res::header);
        Json.send(res, e.status(), Map.of("error", body(e)));
    }

    /** OpenAI's error object, fields in OpenAI's order. */
    public static Map<String, String> body(ApiError e) {
        Map<String, String> error = new LinkedHashMap<>();
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("code", e.code());
        return error;
    }
}
