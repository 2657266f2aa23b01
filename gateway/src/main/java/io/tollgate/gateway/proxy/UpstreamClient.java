package io.tollgate.gateway.proxy;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.ClientConnection;
import io.helidon.webclient.api.ClientRequest;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.gateway.providers.UpstreamAddresses;
import io.tollgate.gateway.http.Bodies;
import io.tollgate.gateway.providers.Provider;

/**
 * HTTP/1.1 to upstream providers with Helidon's client over keep-alive connections pooled by
 * {@link UpstreamConnections}, the time limit kept by {@link UpstreamDeadlines}: no socket timeouts.
 */
public final class UpstreamClient implements AutoCloseable {
    /** The upstream could not be reached, broke the connection or took too long: the gateway answers 502 or 504. */
    public static final class Unreachable extends RuntimeException {
        private final boolean timedOut;

        Unreachable(String message, Throwable cause, boolean timedOut) {
            super(message, cause);
            this.timedOut = timedOut;
        }

        public boolean timedOut() {
            return timedOut;
        }
    }

    /** The call was cancelled (seed 002's cancel) before the upstream answered. */
    public static final class Cancelled extends RuntimeException {
        Cancelled(Throwable cause) {
            super("cancelled before the upstream answered", cause);
        }
    }

    /** A reply being read. Close it when done: its connection goes back to the pool once read to the end. */
    public static final class Call implements AutoCloseable {
        private final HttpClientResponse response;
        private final UpstreamDeadlines.Watch watch;
        private final UpstreamDeadlines deadlines;

        private Call(HttpClientResponse response, UpstreamDeadlines.Watch watch, UpstreamDeadlines deadlines) {
            this.response = response;
            this.watch = watch;
            this.deadlines = deadlines;
        }

        public HttpClientResponse response() {
            return response;
        }

        /** A stream event arrived: the wait for the next one starts now. */
        public void progressed() {
            watch.progressed();
        }

        /** Whether reading broke off because the upstream exceeded the time limit. */
        public boolean timedOut() {
            return watch.fired();
        }

        /** Whether it was cancelled: then a failed read means that, not a broken upstream. */
        public boolean cancelled() {
            return watch.cancelled();
        }

        @Override
        public void close() {
            deadlines.forget(watch);
            response.close();
        }
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** A model list is a few KB; a bound keeps a broken or hostile upstream from filling the heap. */
    private static final int MAX_MODEL_LIST = 4 << 20;
    private final Http1Client client;
    private final UpstreamConnections connections;
    private final UpstreamDeadlines deadlines;
    private final Counter resent;

    /** @param timeout how long an upstream may take to answer, or between two events of a stream */
    public UpstreamClient(Duration timeout, MeterRegistry meters) {
        WebClient web = WebClient.builder()
                .connectTimeout(Duration.ofSeconds(10))
                // No socket timeout: UpstreamDeadlines keeps the time limit.
                .readTimeout(Duration.ZERO)
                .keepAlive(true)
                // No "Expect: 100-continue" handshake: it costs every call a round trip (or a wait).
                .sendExpectContinue(false)
                // Headers and body go out as separate writes; Nagle would hold the body for an ACK.
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .followRedirects(false)
                // Every connection re-checks where a name resolves: never link-local or cloud metadata.
                .dnsResolver(UpstreamAddresses.guardedResolver())
                .build();
        this.client = web.client(Http1Client.PROTOCOL);
        this.connections = new UpstreamConnections(web, meters);
        this.resent = Counter.builder("tollgate_upstream_requests_resent").description(
                "Calls sent again on a new connection after a kept-alive one turned out closed").register(meters);
        this.deadlines = new UpstreamDeadlines(timeout, connections::evictIdle);
    }

    /**
     * POSTs a JSON body to {@code base_url + path}.
     *
     * @param headers    sent besides the provider's credentials (the trace's {@code traceparent})
     * @param cancelWith is handed, before the request goes out, what stops the call from another thread
     *     at any point, waiting for the reply included; a reply being read then fails on its next read
     */
    public Call post(Provider provider, String path, byte[] body, Map<HeaderName, String> headers,
                     Consumer<Runnable> cancelWith) {
        String url = provider.baseUrl() + path;
        return send(provider, url, cancelWith, connection -> {
            var req = authorized(client.post(url), provider).connection(connection).header(HeaderValues.CONTENT_TYPE_JSON);
            headers.forEach(req::header);
            return req.submit(body);
        });
    }

    /** Ids from {@code GET {base_url}/models} (OpenAI and Anthropic both answer {@code {"data":[{"id"}]}}). */
    public List<String> listModels(Provider provider) {
        JsonNode body = json(provider, provider.baseUrl() + "/models", null);
        List<String> ids = new ArrayList<>();
        for (JsonNode m : body.path("data")) {
            if (m.path("id").isTextual()) {
                ids.add(m.path("id").asText());
            }
        }
        return ids;
    }

    /**
     * A small management call to the provider (not a proxied one): GET {@code url}, or POST {@code body} when
     * given; the reply parsed. Anything but a 200 with JSON of at most {@value #MAX_MODEL_LIST} bytes is
     * {@link Unreachable}, saying what came back.
     */
    public JsonNode json(Provider provider, String url, JsonNode body) {
        String what = (body == null ? "GET " : "POST ") + URI.create(url).getPath();
        byte[] sent = body == null ? null : body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (Call call = send(provider, url, cancel -> { }, connection -> body == null
                ? authorized(client.get(url), provider).connection(connection).request()
                : authorized(client.post(url), provider).connection(connection).header(HeaderValues.CONTENT_TYPE_JSON)
                        .submit(sent))) {
            HttpClientResponse res = call.response();
            if (res.status().code() != 200) {
                throw new Unreachable(provider.name() + " answered " + res.status().code() + " to " + what, null, false);
            }
            byte[] bytes;
            try (InputStream in = res.inputStream()) {
                bytes = Bodies.read(in, res.headers().contentLength().orElse(-1), MAX_MODEL_LIST);
            }
            if (bytes.length > MAX_MODEL_LIST) {
                throw new Unreachable(provider.name() + " answered " + what + " with more than "
                        + (MAX_MODEL_LIST >> 20) + " MB", null, false);
            }
            return MAPPER.readTree(bytes);
        } catch (Unreachable e) {
            throw e;
        } catch (Exception e) {
            throw new Unreachable("provider " + provider.name() + " did not answer " + what, e, false);
        }
    }

    /**
     * Sends on a pooled connection. One that served an earlier call may have been closed by the upstream
     * meanwhile; if the call fails on it before any reply, it is sent once more on a new connection
     * (whatever the method: the upstream never saw it), never after a reply began and never when cancelled.
     */
    private Call send(Provider provider, String url, Consumer<Runnable> cancelWith,
                      Function<ClientConnection, HttpClientResponse> request) {
        ClientUri uri = ClientUri.create(URI.create(url));
        for (int attempt = 0; ; attempt++) {
            UpstreamConnections.Pooled pooled;
            try {
                pooled = attempt == 0 ? connections.take(uri) : connections.fresh(uri);
            } catch (RuntimeException e) {
                throw new Unreachable("provider " + provider.name() + " could not be reached", e, false);
            }
            UpstreamDeadlines.Watch watch = deadlines.watch(pooled.connection());
            try {
                cancelWith.accept(watch::cancel);
                HttpClientResponse response = request.apply(pooled.connection());
                connections.heard(pooled, response.headers());
                return new Call(response, watch, deadlines);
            } catch (RuntimeException e) {
                deadlines.forget(watch);
                pooled.connection().closeResource();
                if (watch.cancelled()) {
                    throw new Cancelled(e);
                }
                if (watch.fired()) {
                    throw new Unreachable("provider " + provider.name() + " did not answer in time", e, true);
                }
                if (!pooled.reused() || attempt > 0) {
                    throw new Unreachable("provider " + provider.name() + " could not be reached", e, false);
                }
                connections.stale(pooled);
                resent.increment();
            }
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

    @Override
    public void close() {
        deadlines.close();
        connections.close();
    }
}
