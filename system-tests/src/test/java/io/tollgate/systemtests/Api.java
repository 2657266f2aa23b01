package io.tollgate.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/** A plain HTTP client over real sockets, as curl would be. */
final class Api {
    record Reply(int status, HttpHeaders headers, byte[] bytes) {
        String body() {
            return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        }

        JsonNode json() {
            try {
                return TestStack.JSON.readTree(bytes);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body(), e);
            }
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        /** The error's code: {@code error.code} on the data plane (OpenAI's shape), {@code code} on the management plane. */
        String errorCode() {
            JsonNode error = json().get("error");
            return error != null && error.isObject() ? error.get("code").asText() : json().get("code").asText();
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    Api(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    String base() {
        return base;
    }

    Reply get(String path, String key) {
        return send(builder(path, key).GET().build());
    }

    Reply post(String path, String key, String json) {
        return post(path, key, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Reply post(String path, String key, byte[] body) {
        return send(builder(path, key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    Reply put(String path, String key, String json) {
        return send(builder(path, key).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Reply patch(String path, String key, String json) {
        return send(builder(path, key).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)).build());
    }

    Reply delete(String path, String key) {
        return send(builder(path, key).DELETE().build());
    }

    Reply send(HttpRequest request) {
        try {
            HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Reply(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder builder(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    /** Creates a key through the API and returns the secret. */
    String newKey(Long userId, String scopes) {
        String user = userId == null ? "" : "\"user_id\":" + userId + ",";
        return created(TestStack.ADMIN_KEY, "{" + user + "\"name\":\"test\",\"scopes\":\"" + scopes + "\"}");
    }

    /** Creates a key for the caller itself with {@code credential} and returns the secret. */
    String newKeyWith(String credential, String scopes) {
        return created(credential, "{\"name\":\"test\",\"scopes\":\"" + scopes + "\"}");
    }

    private String created(String credential, String body) {
        Reply r = post("/api/keys", credential, body);
        if (r.status() != 201) {
            throw new AssertionError("key not created: " + r.status() + " " + r.body());
        }
        return r.json().get("key").asText();
    }
}
