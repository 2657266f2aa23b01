package io.tollgate.gateway.proxy;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.conversations.Conversations;
import io.tollgate.gateway.conversations.Conversations.Turn;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.routing.ModelCatalog;

/**
 * Seed 002's unified {@code POST /v1/generate}: {@code {"model"?, "provider"?, "modality":"text",
 * "input":{"prompt"|"messages"}, "parameters":{...}, "stream"?, "session_id"?}} served as a chat
 * completion. With a session the conversation's turns go first, and the new input and the reply are
 * kept in it. Streams are chat completion chunks; a whole reply is a generation object.
 */
final class Generate {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> FIELDS = Set.of("model", "provider", "modality", "input", "parameters", "stream",
            "session_id", "use_fallback");
    /** Generation parameters and the chat field each becomes. */
    private static final Set<String> PARAMETERS = Set.of("temperature", "top_p", "max_tokens", "stop", "seed",
            "presence_penalty", "frequency_penalty");

    /** A parsed generate request; {@code model} null means "the default for the modality". */
    record Ask(String model, String provider, String modality, ArrayNode messages, ObjectNode parameters, boolean stream,
               UUID sessionId, boolean useFallback) {
    }

    /** Which model serves the call, and why ({@code requested}, {@code default}, {@code provider} or {@code fallback}). */
    record Selection(String model, String reason) {
    }

    private Generate() {
    }

    static Ask parse(ObjectNode body) {
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw ApiError.badRequest("invalid_request", "unknown field " + f + "; /v1/generate takes " + FIELDS);
            }
        });
        String modality = optionalText(body, "modality", "text");
        if (!ModelCatalog.MODALITIES.contains(modality)) {
            throw ApiError.badRequest("unsupported_modality", "modality " + modality + " is not served; one of "
                    + ModelCatalog.MODALITIES);
        }
        JsonNode input = body.get("input");
        if (!(input instanceof ObjectNode in)) {
            throw ApiError.badRequest("invalid_input", "input must be an object with prompt or messages");
        }
        ArrayNode messages;
        if (in.get("messages") instanceof ArrayNode given && !given.isEmpty()) {
            messages = given;
        } else if (in.path("prompt").isTextual()) {
            messages = NODES.arrayNode();
            messages.addObject().put("role", "user").put("content", in.path("prompt").asText());
        } else {
            throw ApiError.badRequest("invalid_input", "input needs a prompt string or a non-empty messages array");
        }
        ObjectNode parameters = NODES.objectNode();
        JsonNode p = body.get("parameters");
        if (p != null && !p.isNull()) {
            if (!(p instanceof ObjectNode given)) {
                throw ApiError.badRequest("invalid_parameters", "parameters must be an object");
            }
            given.fieldNames().forEachRemaining(f -> {
                if (!PARAMETERS.contains(f)) {
                    throw ApiError.badRequest("invalid_parameters", "unknown parameter " + f + "; one of " + PARAMETERS);
                }
            });
            parameters = given;
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw ApiError.badRequest("invalid_stream", "stream must be true or false");
        }
        String session = optionalText(body, "session_id", null);
        JsonNode fallback = body.get("use_fallback");
        if (fallback != null && !fallback.isNull() && !fallback.isBoolean()) {
            throw ApiError.badRequest("invalid_use_fallback", "use_fallback must be true or false");
        }
        return new Ask(optionalText(body, "model", null), optionalText(body, "provider", null), modality, messages,
                parameters, stream != null && stream.asBoolean(false), session == null ? null : Conversations.id(session),
                fallback == null || fallback.asBoolean(true));
    }

    private static String optionalText(ObjectNode body, String field, String otherwise) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw ApiError.badRequest("invalid_" + field, field + " must be a non-empty string");
        }
        return v.asText();
    }

    /** The chat completion request: the session's turns, then the new messages, with the parameters. */
    static ObjectNode chatBody(Ask ask, String model, List<Turn> history) {
        ObjectNode chat = NODES.objectNode().put("model", model);
        ArrayNode messages = chat.putArray("messages");
        history.forEach(t -> messages.addObject().put("role", t.role()).put("content", t.content()));
        messages.addAll(ask.messages());
        ask.parameters().properties().forEach(e -> chat.set(e.getKey(), e.getValue()));
        if (ask.stream()) {
            chat.put("stream", true);
        }
        return chat;
    }

    /** The turns to keep after a reply: the new input's messages (text only) and the assistant's text. */
    static List<Turn> turns(Ask ask, String reply) {
        List<Turn> out = new java.util.ArrayList<>();
        for (JsonNode m : ask.messages()) {
            String role = m.path("role").asText();
            if (Set.of("system", "user", "assistant").contains(role)) {
                out.add(new Turn(role, PromptText.content(m.get("content"))));
            }
        }
        out.add(new Turn("assistant", reply));
        return out;
    }

    /** Text of a chat completion's first choice. */
    static String text(JsonNode chat) {
        return PromptText.content(chat.path("choices").path(0).path("message").get("content"));
    }

    /** A whole reply as seed 002's generation object, with the selection and the session it extended. */
    static ObjectNode reply(JsonNode chat, String requestId, String provider, Selection selection, UUID sessionId) {
        ObjectNode out = NODES.objectNode().put("id", requestId).put("object", "generation")
                .put("created", Instant.now().getEpochSecond()).put("model", selection.model()).put("provider", provider)
                .put("modality", "text");
        out.putObject("output").put("text", text(chat));
        JsonNode finish = chat.path("choices").path(0).path("finish_reason");
        out.put("finish_reason", finish.isTextual() ? finish.asText() : null);
        if (chat.has("usage")) {
            out.set("usage", chat.get("usage"));
        }
        if (sessionId != null) {
            out.put("session_id", sessionId.toString());
        }
        out.putObject("selection").put("model", selection.model()).put("provider", provider)
                .put("reason", selection.reason());
        return out;
    }
}
