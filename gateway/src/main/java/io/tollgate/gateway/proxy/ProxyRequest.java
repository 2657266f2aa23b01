package io.tollgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.http.ApiError;

/**
 * A data-plane body checked for the fields the gateway itself relies on (model, stream, the prompt),
 * each with a 400 that names the field. Other fields pass through for the upstream to judge.
 */
public record ProxyRequest(Endpoint endpoint, ObjectNode body, String model, boolean stream, boolean clientWantsUsage) {

    public static ProxyRequest of(Endpoint requested, ObjectNode body) {
        // Seed 000: a /v1/completions body with messages is a chat completion.
        Endpoint endpoint = requested == Endpoint.COMPLETIONS && body.has("messages") ? Endpoint.CHAT : requested;
        JsonNode model = body.get("model");
        if (model == null || model.isNull()) {
            throw ApiError.badRequest("model_required", "model is required");
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw ApiError.badRequest("invalid_model", "model must be a non-empty string");
        }
        boolean stream = false;
        JsonNode s = body.get("stream");
        if (s != null && !s.isNull()) {
            if (!s.isBoolean()) {
                throw ApiError.badRequest("invalid_stream", "stream must be true or false");
            }
            stream = s.asBoolean();
        }
        if (stream && !endpoint.streamable()) {
            throw ApiError.badRequest("invalid_stream", endpoint.upstreamPath() + " does not stream");
        }
        switch (endpoint) {
            case CHAT, MESSAGES -> messages(body);
            case COMPLETIONS -> requireTextOrArray(body, "prompt");
            case EMBEDDINGS -> requireTextOrArray(body, "input");
        }
        for (String field : new String[] {"max_tokens", "max_completion_tokens", "n"}) {
            JsonNode v = body.get(field);
            if (v != null && !v.isNull() && !(v.isIntegralNumber() && v.canConvertToLong() && v.asLong() > 0)) {
                throw ApiError.badRequest("invalid_" + field, field + " must be a positive integer");
            }
        }
        if (endpoint == Endpoint.MESSAGES && !body.path("max_tokens").isIntegralNumber()) {
            throw ApiError.badRequest("invalid_max_tokens", "max_tokens is required for /v1/messages");
        }
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull() && !options.isObject()) {
            throw ApiError.badRequest("invalid_stream_options", "stream_options must be an object");
        }
        boolean wantsUsage = options != null && options.path("include_usage").asBoolean(false);
        return new ProxyRequest(endpoint, body, model.asText(), stream, wantsUsage);
    }

    private static void messages(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            throw ApiError.badRequest("invalid_messages", "messages must be an array");
        }
        if (messages.isEmpty()) {
            throw ApiError.badRequest("invalid_messages", "messages must not be empty");
        }
        for (JsonNode m : messages) {
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw ApiError.badRequest("invalid_messages", "each message must be an object with a string role");
            }
            JsonNode content = m.get("content");
            if (content != null && !content.isNull() && !content.isTextual() && !content.isArray()) {
                throw ApiError.badRequest("invalid_messages", "message content must be a string or an array of parts");
            }
        }
    }

    private static void requireTextOrArray(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !(v.isTextual() || (v.isArray() && !v.isEmpty()))) {
            throw ApiError.badRequest("invalid_" + field, field + " must be a string or a non-empty array");
        }
    }
}
