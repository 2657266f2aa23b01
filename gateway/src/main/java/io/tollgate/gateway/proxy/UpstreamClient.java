package io.tollgate.gateway.proxy;

import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.ClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.http1.Http1Client;
import io.tollgate.gateway.providers.Provider;

/**
 * HTTP to upstream providers over one pooled, keep-alive Helidon HTTP/1.1 client (the protocol-neutral
 * WebClient would discover the protocol again on every call).
 */
public final class UpstreamClient {
    /** The upstream could not be reached or broke the connection: the gateway answers 502. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Http1Client client;

    public UpstreamClient(Duration readTimeout) {
        this.client = Http1Client.builder()
                .connectTimeout(Duration.ofSeconds(10))
                .readTimeout(readTimeout)
                .keepAlive(true)
                // No "Expect: 100-continue" handshake: it costs every call a round trip (or a wait).
                .sendExpectContinue(false)
                // Headers and body go out as separate writes; Nagle would hold the body for an ACK.
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .followRedirects(false)
                .build();
    }

    /** POSTs a JSON body to {@code base_url + path}; the caller closes the response. */
    public HttpClientResponse post(Provider provider, String path, byte[] body) {
        try {
            return authorized(client.post(provider.baseUrl() + path), provider)
                    .header(HeaderValues.CONTENT_TYPE_JSON)
                    .submit(body);
        } catch (RuntimeException e) {
            throw new Unreachable("provider " + provider.name() + " could not be reached", e);
        }
    }

    /** Ids from {@code GET {base_url}/models} (OpenAI and Anthropic both answer {@code {"data":[{"id"}]}}). */
    public List<String> listModels(Provider provider) {
        try (HttpClientResponse res = authorized(client.get(provider.baseUrl() + "/models"), provider).request()) {
            if (res.status().code() != 200) {
                throw new Unreachable(provider.name() + " answered " + res.status().code() + " to GET /models", null);
            }
            JsonNode body;
            try (InputStream in = res.inputStream()) {
                body = MAPPER.readTree(in);
            }
            List<String> ids = new ArrayList<>();
            for (JsonNode m : body.path("data")) {
                if (m.path("id").isTextual()) {
                    ids.add(m.path("id").asText());
                }
            }
            return ids;
        } catch (Unreachable e) {
            throw e;
        } catch (Exception e) {
            throw new Unreachable("provider " + provider.name() + " did not list its models", e);
        }
    }

    private static <T extends ClientRequest<T>> T authorized(T req, Provider provider) {
        if ("anthropic".equals(provider.type())) {
            req.header(HeaderNames.create("anthropic-version"), "2023-06-01");
            if (provider.apiKey() != null) {
                req.header(HeaderNames.create("x-api-key"), provider.apiKey());
            }
        } else if (provider.apiKey() != null) {
            req.header(HeaderNames.AUTHORIZATION, "Bearer " + provider.apiKey());
        }
        return req;
    }
}
