package io.tollgate.gateway.providers;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.spi.DnsResolver;
import io.tollgate.gateway.http.ApiError;

/**
 * Where the gateway may send requests on a caller's behalf (provider base URLs, model endpoints, model
 * refreshes): never to link-local or cloud-metadata addresses, where a server's instance credentials
 * live; to private and loopback addresses (self-hosted models) only when an administrator set the URL.
 * Checked when a URL is set, by resolving its host, and again at every connection, so a name that later
 * resolves to a metadata address (DNS rebinding) reaches nothing. Redirects are never followed.
 */
public final class UpstreamAddresses {
    private static final Set<String> METADATA_NAMES = Set.of("metadata.google.internal", "metadata",
            "instance-data", "instance-data.ec2.internal");
    /** Alibaba Cloud's metadata service and AWS's over IPv6 (literals: no lookup happens). */
    private static final byte[] ALIBABA_METADATA = literal("100.100.100.200");
    private static final byte[] AWS_IPV6_METADATA = literal("fd00:ec2::254");

    private UpstreamAddresses() {
    }

    /** Why {@code a} may never be reached, or null. */
    static String forbidden(InetAddress a) {
        InetAddress v = unmapped(a);
        byte[] b = v.getAddress();
        if (v.isLinkLocalAddress()) {
            return "a link-local address (cloud instance metadata lives at 169.254.169.254)";
        }
        if (v.isAnyLocalAddress() || v.isMulticastAddress() || b.length == 4 && (b[0] == 0 || (b[0] & 0xFF) == 255)) {
            return "not a unicast host address";
        }
        if (Arrays.equals(b, ALIBABA_METADATA) || Arrays.equals(b, AWS_IPV6_METADATA)) {
            return "a cloud metadata address";
        }
        return null;
    }

    /** Whether {@code a} is on a private network or this machine (allowed only to administrators). */
    static boolean internal(InetAddress a) {
        InetAddress v = unmapped(a);
        byte[] b = v.getAddress();
        boolean uniqueLocalV6 = v instanceof Inet6Address && (b[0] & 0xFE) == 0xFC;
        boolean carrierNat = b.length == 4 && (b[0] & 0xFF) == 100 && (b[1] & 0xC0) == 64;
        return v.isLoopbackAddress() || v.isSiteLocalAddress() || uniqueLocalV6 || carrierNat;
    }

    /**
     * The URL, trimmed and without a trailing slash, if it is an http(s) URL whose host resolves only to
     * addresses the caller may reach (a host that does not resolve yet is checked at connection time): 400 {@code invalid_base_url} otherwise, or 403
     * {@code upstream_address_not_allowed} naming the reason.
     */
    public static String checked(String field, String raw, boolean administrator) {
        URI uri;
        try {
            uri = URI.create(raw.trim());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("invalid_base_url", field + " must be an http(s) URL: " + raw);
        }
        if (!Set.of("http", "https").contains(String.valueOf(uri.getScheme())) || uri.getHost() == null
                || uri.getUserInfo() != null) {
            throw ApiError.badRequest("invalid_base_url", field + " must be an http(s) URL without credentials: " + raw);
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (METADATA_NAMES.contains(host)) {
            throw notAllowed(field, host, "a cloud metadata host name");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
        } catch (UnknownHostException e) {
            // Not resolvable from here (yet): every connection is checked by guardedResolver anyway.
            addresses = new InetAddress[0];
        }
        for (InetAddress a : addresses) {
            String why = forbidden(a);
            if (why != null) {
                throw notAllowed(field, host, why);
            }
            if (!administrator && internal(a)) {
                throw notAllowed(field, host, "a private or loopback address, which only administrators may set");
            }
        }
        String s = uri.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Resolves as usual, then refuses any address {@link #forbidden} names: the check at connection time. */
    public static DnsResolver guardedResolver() {
        return new DnsResolver() {
            @Override
            public boolean useDefaultJavaResolver() {
                return false;
            }

            @Override
            public InetAddress resolveAddress(String hostname, DnsAddressLookup lookup) {
                try {
                    for (InetAddress a : lookup.filter(InetAddress.getAllByName(hostname))) {
                        if (forbidden(a) == null && !METADATA_NAMES.contains(hostname.toLowerCase(Locale.ROOT))) {
                            return a;
                        }
                    }
                } catch (UnknownHostException e) {
                    throw new IllegalArgumentException("unknown upstream host " + hostname, e);
                }
                throw new IllegalArgumentException("upstream host " + hostname + " resolves only to addresses the "
                        + "gateway never calls (link-local or cloud metadata)");
            }
        };
    }

    private static byte[] literal(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress unmapped(InetAddress a) {
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address && b.length == 16 && isV4Mapped(b)) {
            try {
                return Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16));
            } catch (UnknownHostException e) {
                return a;
            }
        }
        return a;
    }

    private static boolean isV4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
    }

    private static ApiError notAllowed(String field, String host, String why) {
        return ApiError.forbidden("upstream_address_not_allowed", field + ": " + host + " is " + why);
    }
}
