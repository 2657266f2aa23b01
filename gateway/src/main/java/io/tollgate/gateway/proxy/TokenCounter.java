package io.tollgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens locally, to bound a request's cost before the call and for upstreams that report
 * no usage, with OpenAI's o200k tokenizer and OpenAI's per-message overhead. An estimate for other vendors' models; events say so
 * ({@code tokens_estimated}).
 */
public final class TokenCounter {
    private static final int PER_MESSAGE = 3;
    private static final int REPLY_PRIMING = 3;
    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    public long text(String s) {
        return s == null || s.isEmpty() ? 0 : encoding.countTokensOrdinary(s);
    }

    public long prompt(ProxyRequest request) {
        JsonNode body = request.body();
        return switch (request.endpoint()) {
            case CHAT, MESSAGES -> {
                long total = REPLY_PRIMING + text(body.path("system").isTextual() ? body.path("system").asText() : null);
                for (JsonNode m : body.path("messages")) {
                    total += PER_MESSAGE + text(m.path("role").asText()) + text(PromptText.content(m.get("content")));
                }
                yield total;
            }
            case COMPLETIONS -> inputs(body.get("prompt"));
            case EMBEDDINGS -> inputs(body.get("input"));
        };
    }

    /** Strings are tokenised; arrays of token ids are counted as they are. */
    private long inputs(JsonNode v) {
        if (v == null) {
            return 0;
        }
        if (v.isTextual()) {
            return text(v.asText());
        }
        long total = 0;
        for (JsonNode item : v) {
            total += item.isTextual() ? text(item.asText()) : item.isArray() ? item.size() : 1;
        }
        return total;
    }
}
