package io.tollgate.gateway.providers;

import java.time.Instant;
import java.util.Set;

/** An upstream. {@code apiKey} is decrypted in memory only, and never serialised. */
public record Provider(long id, String name, String type, String baseUrl, String apiKey, boolean enabled,
                       Instant createdAt) {
    /** OpenAI, Anthropic, and Ollama (OpenAI's wire format at {@code /v1}; loads and unloads models). */
    public static final Set<String> TYPES = Set.of("openai", "anthropic", "ollama");

    /** The wire format it answers in: {@code anthropic}, or {@code openai} (OpenAI and compatible servers). */
    public String dialect() {
        return "anthropic".equals(type) ? "anthropic" : "openai";
    }

    /** Whether it holds models in memory on request (Ollama): seed 002's load and unload act on it. */
    public boolean loadsModels() {
        return "ollama".equals(type);
    }

    @Override
    public String toString() {
        return "Provider[" + id + " " + name + " " + type + " " + baseUrl + "]";
    }
}
