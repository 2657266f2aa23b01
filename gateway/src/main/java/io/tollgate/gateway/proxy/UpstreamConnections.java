package io.tollgate.gateway.proxy;

import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

import io.helidon.common.tls.Tls;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;

/**
 * Keep-alive connections to upstreams, pooled here rather than in Helidon's connection cache. That
 * cache watches every idle connection with a virtual thread of its own doing 101 ms timed reads, and
 * hands the connection back from that thread on each reuse: a thread start, a timer and an extra
 * wake-up per proxied call, ~15 % of the gateway's CPU (async-profiler, `tollgate bench`).
 *
 * <p>Instead a connection rests on a per-upstream stack (the most recently used is reused first, so
 * the rest age out) and is closed once idle for {@link #MAX_IDLE_NANOS}. An upstream may still close
 * one that looked alive; {@link UpstreamClient} then retries once on a new connection, which is
 * safe because a server closes only connections with no request in flight.
 */
final class UpstreamConnections implements AutoCloseable {
    /** Below the idle timeouts upstreams commonly use (nginx 75 s, most LLM APIs 60 s or more). */
    static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(20);
    private static final Tls NO_TLS = Tls.builder().enabled(false).build();

    /** A connection and the stack it returns to when its reply has been read to the end. */
    static final class Pooled {
        private final Deque<Pooled> home;
        private TcpClientConnection connection;
        private volatile long idleSince;
        private boolean reused;

        private Pooled(Deque<Pooled> home) {
            this.home = home;
        }

        TcpClientConnection connection() {
            return connection;
        }

        /** Whether it served a call before this one: only such a connection can have gone stale. */
        boolean reused() {
            return reused;
        }
    }

    private record Upstream(ConnectionKey key, Deque<Pooled> idle) {
    }

    private final WebClient web;
    private final Map<String, Upstream> upstreams = new ConcurrentHashMap<>();
    private volatile boolean closed;

    UpstreamConnections(WebClient web) {
        this.web = web;
    }

    /** An idle connection to the upstream of {@code uri}, or a new one (which may throw if it cannot connect). */
    Pooled take(ClientUri uri) {
        Upstream upstream = upstreams.computeIfAbsent(uri.scheme() + "://" + uri.authority(), k -> upstream(uri));
        long now = System.nanoTime();
        for (Pooled p; (p = upstream.idle.pollFirst()) != null; ) {
            if (now - p.idleSince < MAX_IDLE_NANOS && p.connection.isConnected()) {
                p.reused = true;
                return p;
            }
            p.connection.closeResource();
        }
        Pooled fresh = new Pooled(upstream.idle);
        fresh.connection = TcpClientConnection.create(web, upstream.key, List.of("http/1.1"), c -> release(fresh),
                c -> { }).connect();
        return fresh;
    }

    /** Closes connections idle too long: those at the bottom of each stack, which traffic no longer reaches. */
    void evictIdle() {
        long now = System.nanoTime();
        for (Upstream u : upstreams.values()) {
            for (Pooled p; (p = u.idle.peekLast()) != null && now - p.idleSince >= MAX_IDLE_NANOS; ) {
                if (u.idle.removeLastOccurrence(p)) {
                    p.connection.closeResource();
                }
            }
        }
    }

    private Upstream upstream(ClientUri uri) {
        var config = web.prototype();
        return new Upstream(ConnectionKey.create(uri.scheme(), uri.host(), uri.port(),
                "https".equals(uri.scheme()) ? config.tls() : NO_TLS, config.dnsResolver(), config.dnsAddressLookup(),
                Proxy.noProxy()), new ConcurrentLinkedDeque<>());
    }

    /** Helidon calls this once a reply was read to its end on a keep-alive connection. */
    private boolean release(Pooled p) {
        if (closed) {
            return false;
        }
        p.idleSince = System.nanoTime();
        p.home.offerFirst(p);
        return true;
    }

    @Override
    public void close() {
        closed = true;
        for (Upstream u : upstreams.values()) {
            for (Pooled p; (p = u.idle.pollFirst()) != null; ) {
                p.connection.closeResource();
            }
        }
    }
}
