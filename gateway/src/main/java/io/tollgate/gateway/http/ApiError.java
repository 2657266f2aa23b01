package io.tollgate.gateway.http;

import java.util.Map;

/**
 * A refusal with its HTTP status, rendered as OpenAI's {@code {"error":{"message","type","code"}}}.
 * Thrown anywhere in a handler; {@link ErrorResponses} maps it to the reply in one place.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final Map<String, String> headers;

    public ApiError(int status, String type, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.headers = headers;
    }

    public ApiError(int status, String type, String code, String message) {
        this(status, type, code, message, Map.of());
    }

    public static ApiError badRequest(String code, String message) {
        return new ApiError(400, "invalid_request_error", code, message);
    }

    public static ApiError unauthorized(String code, String message) {
        return new ApiError(401, "authentication_error", code, message);
    }

    public static ApiError forbidden(String code, String message) {
        return new ApiError(403, "permission_error", code, message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, "not_found_error", "not_found", message);
    }

    public static ApiError conflict(String code, String message) {
        return new ApiError(409, "conflict_error", code, message);
    }

    public static ApiError badGateway(String code, String message) {
        return new ApiError(502, "upstream_error", code, message);
    }

    public static ApiError gatewayTimeout(String code, String message) {
        return new ApiError(504, "upstream_error", code, message);
    }

    /** 503 {@code overloaded} with {@code Retry-After: 1}: nothing was done, and trying again soon is right. */
    public static ApiError overloaded(String message) {
        return new ApiError(503, "server_error", "overloaded", message, Map.of("Retry-After", "1"));
    }

    public static ApiError unavailable(String code, String message) {
        return new ApiError(503, "service_unavailable", code, message);
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
