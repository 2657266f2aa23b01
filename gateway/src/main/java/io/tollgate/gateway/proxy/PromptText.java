package io.tollgate.gateway.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.JsonNode;

/** The text of a prompt, and the hash of its normalised form used to find repeated prompts (waste). */
public final class PromptText {
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");

    private PromptText() {
    }

    /** Message content as text: a string, or the text parts of an array of content parts. */
    public static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (part.path("text").isTextual()) {
                sb.append(part.path("text").asText());
            }
        }
        return sb.toString();
    }

    /**
     * SHA-256 (hex) of the prompt with whitespace collapsed and case folded, per role: two requests
     * that differ only in spacing or capitalisation count as the same prompt.
     */
    public static String hash(ProxyRequest request) {
        StringBuilder sb = new StringBuilder(request.endpoint().name()).append('\n');
        JsonNode body = request.body();
        switch (request.endpoint()) {
            case CHAT, MESSAGES -> {
                if (body.path("system").isTextual()) {
                    sb.append("system:").append(normalise(body.path("system").asText())).append('\n');
                }
                for (JsonNode m : body.path("messages")) {
                    sb.append(m.path("role").asText()).append(':').append(normalise(content(m.get("content")))).append('\n');
                }
            }
            case COMPLETIONS -> sb.append(normalise(body.get("prompt").toString()));
            case EMBEDDINGS -> sb.append(normalise(body.get("input").toString()));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sb.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String normalise(String s) {
        return WHITESPACE.matcher(s.strip()).replaceAll(" ").toLowerCase(java.util.Locale.ROOT);
    }
}
