package io.tollgate.gateway.providers;

import java.time.Instant;

/** An upstream. {@code apiKey} is decrypted in memory only, and never serialised. */
public record Provider(long id, String name, String type, String baseUrl, String apiKey, boolean enabled,
                       Instant createdAt) {
    @Override
    public String toString() {
        return "Provider[" + id + " " + name + " " + type + " " + baseUrl + "]";
    }
}
