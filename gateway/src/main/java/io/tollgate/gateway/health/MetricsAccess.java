package io.tollgate.gateway.health;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.helidon.config.Config;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.http.ApiError;

/**
 * Who may scrape {@code /metrics} ({@code tollgate.metrics.*}): with a token, whoever sends it as
 * {@code Authorization: Bearer}; on a port of its own ({@code port} ≥ 0, 0 for any free one), whoever
 * reaches that port, which operators keep off the public network; otherwise clients on this machine only.
 * The metrics tell traffic, spend and errors, which strangers need not know.
 *
 * @param port -1: served on the gateway's own port
 */
public record MetricsAccess(String token, int port) {
    public static final MetricsAccess LOOPBACK_ONLY = new MetricsAccess("", -1);

    public static MetricsAccess from(Config c) {
        return new MetricsAccess(c.get("tollgate.metrics.token").asString().orElse(""),
                c.get("tollgate.metrics.port").asInt().orElse(-1));
    }

    public boolean ownPort() {
        return port >= 0;
    }

    void check(ServerRequest req) {
        if (!token.isEmpty()) {
            String presented = req.headers().first(HeaderNames.AUTHORIZATION).map(String::trim)
                    .filter(v -> v.regionMatches(true, 0, "Bearer ", 0, 7)).map(v -> v.substring(7).trim()).orElse("");
            if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
                throw ApiError.unauthorized("metrics_token_required", "send the metrics token as Authorization: Bearer");
            }
            return;
        }
        boolean local = req.remotePeer().address() instanceof InetSocketAddress a && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
        if (!ownPort() && !local) {
            throw ApiError.forbidden("metrics_restricted", "/metrics answers this machine only; set "
                    + "TOLLGATE_METRICS_TOKEN or TOLLGATE_METRICS_PORT to scrape it from elsewhere");
        }
    }
}
