package io.tollgate.gateway.proxy;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.tls.Tls;
import io.helidon.http.ClientResponseHeaders;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Keep-alive connections to upstreams, pooled here rather than in Helidon's connection cache. That
 * cache watches every idle connection with a virtual thread of its own doing 101 ms timed reads, and
 * hands the connection back from that thread on each reuse: a thread start, a timer and an extra
 * wake-up per proxied call, ~15 % of the gateway's CPU (async-profiler, `tollgate bench`).
 *
 * <p>Instead a connection rests on a per-upstream stack (the most recently used is reused first, so
 * the rest age out) and is never handed out once the upstream has closed it or is about to:
 * <ul>
 *   <li>it is closed once idle for as long as the upstream keeps connections: what its
 *       {@code Keep-Alive: timeout=N} says (less a second), else {@link #MAX_IDLE_NANOS}, lowered when a
 *       connection is found dead sooner (the upstream closes without saying);</li>
 *   <li>a reply with {@code Connection: close} ends its connection;</li>
 *   <li>one idle for {@link #PROBE_AFTER_NANOS} or more is probed before reuse: a read with a 1 ms limit
 *       sees at once whether the upstream closed it (end of stream or reset) or it is still open
 *       (the read times out). Busy connections are reused unprobed, so the hot path pays nothing.</li>
 * </ul>
 * Should one still fail before any reply arrives, {@link UpstreamClient} sends the call once more on a
 * {@link #fresh} connection, which is safe: a server closes only connections with no request in flight.
 */
final class UpstreamConnections implements AutoCloseable {
    /** Below the idle timeouts upstreams commonly use (nginx 75 s, most LLM APIs 60 s or more). */
    static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(20);
    static final long PROBE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Duration PROBE = Duration.ofMillis(1);
    private static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern TIMEOUT = Pattern.compile("(?i)(?:^|[,;\\s])timeout\\s*=\\s*(\\d{1,6})");
    private static final Tls NO_TLS = Tls.builder().enabled(false).build();

    /** A connection and the stack it returns to when its reply has been read to the end. */
    static final class Pooled {
        private final Upstream home;
        private TcpClientConnection connection;
        private volatile long idleSince;
        private boolean reused;
        private long idleBeforeUse;
        private volatile boolean closeAfterReply;

        private Pooled(Upstream home) {
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

    private static final class Upstream {
        final ConnectionKey key;
        final Deque<Pooled> idle = new ConcurrentLinkedDeque<>();
        /** How long an idle connection may be kept: what the upstream said, or learned. */
        volatile long keepIdleNanos = MAX_IDLE_NANOS;

        Upstream(ConnectionKey key) {
            this.key = key;
        }
    }

    private final WebClient web;
    private final Map<String, Upstream> upstreams = new ConcurrentHashMap<>();
    private final Counter opened;
    private final Counter reusedCount;
    private final Counter evicted;
    private volatile boolean closed;

    UpstreamConnections(WebClient web, MeterRegistry meters) {
        this.web = web;
        this.opened = Counter.builder("tollgate_upstream_connections_opened").description(
                "Connections opened to upstreams").register(meters);
        this.reusedCount = Counter.builder("tollgate_upstream_connections_reused").description(
                "Calls sent on a kept-alive upstream connection").register(meters);
        this.evicted = Counter.builder("tollgate_upstream_connections_evicted").description(
                "Idle upstream connections closed before reuse (idle too long, closed by the upstream, or told to)")
                .register(meters);
    }

    /** An idle connection to the upstream of {@code uri} that is still open, or a new one (which may throw). */
    Pooled take(ClientUri uri) {
        Upstream upstream = upstream(uri);
        long now = System.nanoTime();
        for (Pooled p; (p = upstream.idle.pollFirst()) != null; ) {
            long idle = now - p.idleSince;
            if (idle < upstream.keepIdleNanos && p.connection.isConnected() && (idle < PROBE_AFTER_NANOS || open(p.connection))) {
                p.reused = true;
                p.idleBeforeUse = idle;
                reusedCount.increment();
                return p;
            }
            p.connection.closeResource();
            evicted.increment();
        }
        return fresh(uri);
    }

    /** A new connection, never a pooled one: the retry after a stale one. */
    Pooled fresh(ClientUri uri) {
        Pooled fresh = new Pooled(upstream(uri));
        fresh.connection = TcpClientConnection.create(web, fresh.home.key, List.of("http/1.1"), c -> release(fresh),
                c -> { }).connect();
        opened.increment();
        return fresh;
    }

    /**
     * What the reply's headers say of its connection: {@code Connection: close} ends it once read;
     * {@code Keep-Alive: timeout=N} is how long the upstream keeps idle ones.
     */
    void heard(Pooled p, ClientResponseHeaders headers) {
        if (headers.first(HeaderNames.CONNECTION).map(v -> v.toLowerCase().contains("close")).orElse(false)) {
            p.closeAfterReply = true;
        }
        headers.first(HeaderNames.create("Keep-Alive")).ifPresent(v -> {
            Matcher m = TIMEOUT.matcher(v);
            if (m.find()) {
                long keep = Math.max(0, TimeUnit.SECONDS.toNanos(Long.parseLong(m.group(1))) - MARGIN_NANOS);
                p.home.keepIdleNanos = Math.min(MAX_IDLE_NANOS, keep);
            }
        });
    }

    /**
     * {@code p} was reused after {@code idleBeforeUse} and found closed by the upstream: this upstream
     * keeps idle connections for less than that, so none idle as long is handed out again. Never below
     * the probing age: pooling goes on, and older connections are probed anyway.
     */
    void stale(Pooled p) {
        Upstream u = p.home;
        u.keepIdleNanos = Math.min(u.keepIdleNanos, Math.max(PROBE_AFTER_NANOS, p.idleBeforeUse - MARGIN_NANOS / 4));
        evictIdle();
    }

    /** Closes connections idle too long: those at the bottom of each stack, which traffic no longer reaches. */
    void evictIdle() {
        long now = System.nanoTime();
        for (Upstream u : upstreams.values()) {
            for (Pooled p; (p = u.idle.peekLast()) != null && now - p.idleSince >= u.keepIdleNanos; ) {
                if (u.idle.removeLastOccurrence(p)) {
                    p.connection.closeResource();
                    evicted.increment();
                }
            }
        }
    }

    /**
     * Whether an idle connection is still open: a read limited to 1 ms times out on an open one, and
     * returns end of stream (or fails) at once on one the upstream closed. Bytes on an idle connection
     * are a broken exchange, so they count as closed too.
     */
    private static boolean open(TcpClientConnection c) {
        c.readTimeout(PROBE);
        try {
            c.helidonSocket().read(BufferData.create(1));
            return false;
        } catch (UncheckedIOException e) {
            return e.getCause() instanceof SocketTimeoutException;
        } catch (RuntimeException e) {
            return false;
        } finally {
            c.readTimeout(Duration.ZERO);
        }
    }

    private Upstream upstream(ClientUri uri) {
        return upstreams.computeIfAbsent(uri.scheme() + "://" + uri.authority(), k -> {
            var config = web.prototype();
            return new Upstream(ConnectionKey.create(uri.scheme(), uri.host(), uri.port(),
                    "https".equals(uri.scheme()) ? config.tls() : NO_TLS, config.dnsResolver(), config.dnsAddressLookup(),
                    Proxy.noProxy()));
        });
    }

    /** Helidon calls this once a reply was read to its end on a keep-alive connection. */
    private boolean release(Pooled p) {
        if (closed || p.closeAfterReply || p.home.keepIdleNanos == 0) {
            return false;
        }
        p.idleSince = System.nanoTime();
        p.home.idle.offerFirst(p);
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
