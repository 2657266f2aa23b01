package io.tollgate.gateway.auth;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The client's address for IP allowlists: the socket's peer, unless that peer is one of the configured
 * trusted proxies ({@code tollgate.trusted.proxies}, CIDRs), in which case the nearest address in
 * {@code X-Forwarded-For} that is not itself a trusted proxy. A header is only the client's word, so
 * it is believed only when a trusted proxy wrote it.
 */
public final class ClientAddress {
    private final List<Cidr> trustedProxies;

    public ClientAddress(List<Cidr> trustedProxies) {
        this.trustedProxies = List.copyOf(trustedProxies);
    }

    /** Whether the socket's peer is a trusted proxy, whose forwarding headers are believed. */
    public boolean fromTrustedProxy(ServerRequest req) {
        InetAddress peer = peer(req);
        return peer != null && trusted(peer);
    }

    private static InetAddress peer(ServerRequest req) {
        return req.remotePeer().address() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    /** null when unknown. */
    public InetAddress of(ServerRequest req) {
        InetAddress peer = peer(req);
        if (peer == null || !trusted(peer)) {
            return peer;
        }
        List<String> forwarded = req.headers().values(HeaderNames.X_FORWARDED_FOR).isEmpty() ? List.of()
                : List.of(String.join(",", req.headers().values(HeaderNames.X_FORWARDED_FOR)).split(","));
        InetAddress client = peer;
        for (int i = forwarded.size() - 1; i >= 0; i--) {
            InetAddress hop = literal(forwarded.get(i).trim());
            if (hop == null) {
                return client;  // unreadable: stop at the last address a trusted proxy vouched for
            }
            client = hop;
            if (!trusted(hop)) {
                return hop;
            }
        }
        return client;
    }

    private boolean trusted(InetAddress a) {
        return trustedProxies.stream().anyMatch(c -> c.contains(a));
    }

    /** An IP literal, never a host name (no DNS lookups for header values). */
    private static InetAddress literal(String s) {
        boolean v4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        // With a colon Java reads an IPv6 literal or fails; it never asks DNS.
        boolean v6 = s.length() <= 45 && s.indexOf(':') >= 0 && s.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
