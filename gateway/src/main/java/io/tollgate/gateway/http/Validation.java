package io.tollgate.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;

import io.helidon.webserver.http.ServerRequest;
import io.tollgate.ledger.money.Micros;

/** Field checks shared by the management endpoints, each failing with a 400 that names the field. */
public final class Validation {
    private Validation() {
    }

    public static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw ApiError.badRequest("missing_field", field + " is required");
        }
        return text(field, value.trim(), 320);
    }

    /** A required email address, lower-cased (emails name users, case-insensitively). */
    public static String email(String value) {
        String email = required("email", value).toLowerCase(java.util.Locale.ROOT);
        if (!email.matches("[^@\\s]+@[^@\\s]+")) {
            throw ApiError.badRequest("invalid_email", "email is not an address: " + email);
        }
        return email;
    }

    public static String text(String field, String value, int maxLength) {
        if (value == null) {
            return null;
        }
        if (value.length() > maxLength) {
            throw ApiError.badRequest("invalid_field", field + " is longer than " + maxLength + " characters");
        }
        return value;
    }

    /** An amount of USD, as a JSON number or a decimal string, exactly in micro-units (at most 6 decimals). */
    public static long money(String field, JsonNode value) {
        try {
            if (value.isNumber()) {
                return Micros.fromDecimal(value.decimalValue());
            }
            if (value.isTextual()) {
                return Micros.fromDecimal(value.asText());
            }
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("invalid_amount", field + ": " + e.getMessage());
        }
        throw ApiError.badRequest("invalid_amount", field + " must be a decimal number of USD");
    }

    /** 400 {@code unknown_field} for a field of {@code body} not among {@code fields}. */
    public static void onlyFields(com.fasterxml.jackson.databind.node.ObjectNode body, java.util.Set<String> fields) {
        body.fieldNames().forEachRemaining(f -> {
            if (!fields.contains(f)) {
                throw ApiError.badRequest("unknown_field", "unknown field " + f + "; one of " + fields);
            }
        });
    }

    /** An optional boolean field: {@code otherwise} when absent or null, 400 when not a boolean. */
    public static boolean flag(com.fasterxml.jackson.databind.node.ObjectNode body, String field, boolean otherwise) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isBoolean()) {
            throw ApiError.badRequest("invalid_field", field + " must be true or false");
        }
        return v.asBoolean();
    }

    public static long pathId(ServerRequest req, String name) {
        String raw = req.path().pathParameters().get(name);
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            throw ApiError.notFound("no such id: " + raw);
        }
    }

    /**
     * Whether a destructive request carries its confirmation: {@code ?confirm=true}, {@code {"confirm": true}},
     * or seed 001's {@code {"confirmation": "DELETE"}} (also {@code DELETE_KEY}, {@code DELETE_ACCOUNT}).
     */
    public static boolean confirmed(io.helidon.webserver.http.ServerRequest req, com.fasterxml.jackson.databind.node.ObjectNode body) {
        if ("true".equals(req.query().first("confirm").orElse(""))) {
            return true;
        }
        if (body == null) {
            return false;
        }
        com.fasterxml.jackson.databind.JsonNode confirm = body.get("confirm");
        com.fasterxml.jackson.databind.JsonNode confirmation = body.get("confirmation");
        return confirm != null && confirm.isBoolean() && confirm.asBoolean()
                || confirmation != null && confirmation.isTextual()
                && java.util.Set.of("DELETE", "DELETE_KEY", "DELETE_ACCOUNT").contains(confirmation.asText().trim().toUpperCase());
    }
}
