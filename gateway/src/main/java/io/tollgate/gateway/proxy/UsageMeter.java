package io.tollgate.gateway.proxy;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * Collects what an upstream reports about usage, from a whole reply or stream chunk by chunk, and
 * the generated text in case it reports nothing (then tokens are counted locally).
 */
final class UsageMeter {
    record Usage(long promptTokens, long completionTokens, boolean estimated) {
        long totalTokens() {
            return promptTokens + completionTokens;
        }
    }

    private final ProxyRequest request;
    private final Endpoint.Dialect upstream;
    /** The prompt counted locally before the call (for the reservation); used when the upstream reports none. */
    private final long localPromptTokens;
    private Long promptTokens;
    private Long completionTokens;
    private final StringBuilder completion = new StringBuilder();

    /** @param upstream the wire format the upstream replies in (the client's, unless bridged) */
    UsageMeter(ProxyRequest request, long localPromptTokens, Endpoint.Dialect upstream) {
        this.request = request;
        this.localPromptTokens = localPromptTokens;
        this.upstream = upstream;
    }

    /** The text generated so far, as the upstream sent it. */
    String completionText() {
        return completion.toString();
    }

    Endpoint.Dialect upstream() {
        return upstream;
    }

    void observe(JsonNode json) {
        if (upstream == Endpoint.Dialect.ANTHROPIC) {
            observeAnthropic(json);
        } else {
            observeOpenAi(json);
        }
    }

    /**
     * Reads only the top-level {@code usage} of a whole reply as it streams past, skipping the rest
     * (the generated text included): for a reply too large to hold, which the upstream still bills.
     */
    void observeUsageOnly(JsonParser reply) throws IOException {
        try (JsonParser p = reply) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("usage")) {
                    observe(JsonNodeFactory.instance.objectNode().set("usage", p.readValueAsTree()));
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    /** Anthropic's stream ends with {@code message_stop}; OpenAI's with the {@code [DONE]} sentinel. */
    static boolean isFinalAnthropicEvent(JsonNode json) {
        return "message_stop".equals(json.path("type").asText());
    }

    private void observeOpenAi(JsonNode json) {
        JsonNode usage = json.get("usage");
        if (usage != null && usage.isObject()) {
            if (usage.path("prompt_tokens").isIntegralNumber()) {
                promptTokens = usage.path("prompt_tokens").asLong();
            }
            if (usage.path("completion_tokens").isIntegralNumber()) {
                completionTokens = usage.path("completion_tokens").asLong();
            }
        }
        for (JsonNode choice : json.path("choices")) {
            append(choice.path("delta").path("content"));
            append(choice.path("message").path("content"));
            append(choice.path("text"));
        }
    }

    private void observeAnthropic(JsonNode json) {
        JsonNode usage = "message_start".equals(json.path("type").asText())
                ? json.path("message").path("usage") : json.path("usage");
        if (usage.path("input_tokens").isIntegralNumber()) {
            promptTokens = usage.path("input_tokens").asLong()
                    + usage.path("cache_creation_input_tokens").asLong(0)
                    + usage.path("cache_read_input_tokens").asLong(0);
        }
        if (usage.path("output_tokens").isIntegralNumber()) {
            completionTokens = usage.path("output_tokens").asLong();
        }
        for (JsonNode block : json.path("content")) {
            append(block.path("text"));
        }
        append(json.path("delta").path("text"));
    }

    private void append(JsonNode text) {
        if (text.isTextual()) {
            completion.append(text.asText());
        }
    }

    Usage usage(TokenCounter counter) {
        boolean embeddings = request.endpoint() == Endpoint.EMBEDDINGS;
        long prompt = promptTokens != null ? promptTokens : localPromptTokens;
        long out = embeddings ? 0 : completionTokens != null ? completionTokens : counter.text(completion.toString());
        boolean estimated = promptTokens == null || (!embeddings && completionTokens == null);
        return new Usage(prompt, out, estimated);
    }

    /** Usage from a failed call: only what the upstream reported, never a guess (failures cost 0 unless billed). */
    Usage reportedOnly() {
        return new Usage(promptTokens == null ? 0 : promptTokens, completionTokens == null ? 0 : completionTokens, false);
    }
}
