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
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The one place where failures become HTTP replies. No stack trace or secret ever reaches a body.
 *
 * <p>Two shapes, one per plane. The data plane answers OpenAI's {@code {"error":{"message","type","code"}}},
 * which the OpenAI and Anthropic SDKs parse. The management plane answers a flat object every seed's
 * client can read: {@code error} as a string (seed 004 reads it so), {@code detail} (seed 003 and FastAPI
 * clients such as seed 001's), and {@code message}, {@code type} and {@code code} for the rest.
 */
public final class ErrorResponses {
    private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());

    private ErrorResponses() {
    }

    public static void register(HttpRouting.Builder routing) {
        routing.error(ApiError.class, (req, res, e) -> send(req, res, e))
                .error(RequestException.class, (req, res, e) -> send(req, res,
                        new ApiError(e.status().code() >= 500 ? 400 : e.status().code(), "invalid_request_error",
                                "bad_request", "malformed request")))
                .error(UncheckedIOException.class, (req, res, e) -> send(req, res,
                        ApiError.badRequest("bad_request", "request body could not be read")))
                // Static content answers a conditional GET with a 304 thrown as an HttpException.
                .error(io.helidon.http.HttpException.class, (req, res, e) -> {
                    if (e.status().code() < 400) {
                        res.status(e.status()).send();
                    } else if (e.status().code() == 404) {
                        send(req, res, ApiError.notFound("no such file: " + req.path().path()));
                    } else if (e.status().code() < 500) {
                        send(req, res, new ApiError(e.status().code(), "invalid_request_error", "bad_request", e.getMessage()));
                    } else {
                        LOG.log(Level.SEVERE, "unhandled error on " + req.prologue().method() + " " + req.path().path(), e);
                        send(req, res, new ApiError(500, "server_error", "internal_error", "internal error"));
                    }
                })
                .error(SQLException.class, (req, res, e) -> send(req, res, databaseDown(e)))
                .error(DatabaseException.class, (req, res, e) -> send(req, res, databaseDown(e.getCause())))
                .error(Exception.class, (req, res, e) -> {
                    LOG.log(Level.SEVERE, "unhandled error on " + req.prologue().method() + " " + req.path().path(), e);
                    send(req, res, new ApiError(500, "server_error", "internal_error", "internal error"));
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

    private static void send(ServerRequest req, ServerResponse res, ApiError e) {
        if (res.isSent()) {
            return;
        }
        e.headers().forEach(res::header);
        Json.send(res, e.status(), managementPlane(req.prologue().uriPath().path()) ? flat(e) : Map.of("error", body(e)));
    }

    /**
     * The management plane: {@code /api} but for seed 004's OpenAI-compatible {@code /api/v1} and
     * {@code /api/chat}, and seed 001's and seed 000's paths at the root.
     */
    static boolean managementPlane(String path) {
        if (path.startsWith("/api/")) {
            return !path.startsWith("/api/v1/") && !path.equals("/api/chat");
        }
        return path.startsWith("/auth/") || path.startsWith("/user/") || path.startsWith("/admin/")
                || path.equals("/plans") || path.startsWith("/plans/") || path.equals("/models")
                || path.startsWith("/models/");
    }

    /** The management plane's error: readable as {@code error} (a string), {@code detail} or {@code code}. */
    static Map<String, String> flat(ApiError e) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("error", e.getMessage());
        out.put("detail", e.getMessage());
        out.put("message", e.getMessage());
        out.put("type", e.type());
        out.put("code", e.code());
        return out;
    }

    /** OpenAI's error object, fields in OpenAI's order ({@code param} is required there, null when no parameter is at fault). */
    public static Map<String, String> body(ApiError e) {
        Map<String, String> error = new LinkedHashMap<>();
        error.put("message", e.getMessage());
        error.put("type", e.type());
        error.put("param", null);
        error.put("code", e.code());
        return error;
    }
}
