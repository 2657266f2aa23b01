package io.tollgate.gateway.auth;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.gateway.http.ApiError;

/**
 * What a key may do. Seed 000's {@code completion:invoke}, {@code model:write}, {@code model:any},
 * {@code model:<name>}; seed 002's token scopes {@code read} (may only read) and {@code write} (may also
 * manage the owner's own things); and the management scopes a key must carry explicitly to use its
 * owner's power: {@code manage} (the owner's own keys, profile and provider keys), {@code finance} and
 * {@code admin} (with the owner's role). {@link Access} says what each allows.
 */
public final class Scopes {
    public static final String INVOKE = "completion:invoke";
    public static final String MODEL_WRITE = "model:write";
    public static final String MODEL_ANY = "model:any";
    public static final String READ = "read";
    public static final String WRITE = "write";
    public static final String MANAGE = "manage";
    public static final String FINANCE = "finance";
    public static final String ADMIN = "admin";
    public static final Set<String> ALL = Set.of(INVOKE, MODEL_WRITE, MODEL_ANY, READ, WRITE, MANAGE, FINANCE, ADMIN);
    private static final Pattern MODEL_SCOPE = Pattern.compile("model:[A-Za-z0-9._:/@-]{1,128}");

    private Scopes() {
    }

    /** Accepts a comma-separated string (seed 000) or a JSON array of strings (seed 002). */
    public static Set<String> parse(JsonNode node) {
        Set<String> out = new LinkedHashSet<>();
        if (node == null || node.isNull()) {
            throw ApiError.badRequest("invalid_scopes", "scopes is required, e.g. \"completion:invoke,model:any\"");
        }
        if (node.isTextual()) {
            for (String s : node.asText().split(",")) {
                add(out, s.trim());
            }
        } else if (node.isArray()) {
            for (JsonNode item : node) {
                if (!item.isTextual()) {
                    throw ApiError.badRequest("invalid_scopes", "scopes must be strings");
                }
                add(out, item.asText().trim());
            }
        } else {
            throw ApiError.badRequest("invalid_scopes", "scopes must be a comma-separated string or an array");
        }
        if (out.isEmpty()) {
            throw ApiError.badRequest("invalid_scopes", "at least one scope is required");
        }
        return out;
    }

    /** True when {@code granted} covers {@code scope}: itself, or {@code model:any} for a {@code model:<name>}. */
    public static boolean covers(Set<String> granted, String scope) {
        return granted.contains(scope) || scope.startsWith("model:") && !scope.equals(MODEL_WRITE)
                && granted.contains(MODEL_ANY);
    }

    private static void add(Set<String> out, String scope) {
        if (scope.isEmpty()) {
            return;
        }
        if (!ALL.contains(scope) && !MODEL_SCOPE.matcher(scope).matches()) {
            throw ApiError.badRequest("invalid_scopes", "unknown scope '" + scope + "'; valid: " + INVOKE + ", "
                    + MODEL_WRITE + ", " + MODEL_ANY + ", model:<name>, " + READ + ", " + WRITE + ", " + MANAGE + ", "
                    + FINANCE + ", " + ADMIN);
        }
        out.add(scope);
    }
}
