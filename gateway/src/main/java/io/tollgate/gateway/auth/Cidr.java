package io.tollgate.gateway.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IP allowlist entry: {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or one address. */
public record Cidr(String text, byte[] network, int prefixBits) {
    // Literals only: InetAddress.getByName would otherwise resolve a host name through DNS.
    private static final Pattern LITERAL = Pattern.compile("[0-9.]{7,15}|[0-9A-Fa-f:.]{2,45}");

    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        if (!LITERAL.matcher(address).matches() || address.indexOf(':') < 0 && address.chars().filter(c -> c == '.').count() != 3) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
        }
        int bits = bytes.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
            if (bits < 0 || bits > bytes.length * 8) {
                throw new IllegalArgumentException("bad prefix length in " + text);
            }
        }
        return new Cidr(s, bytes, bits);
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefixBits / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixBits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }
}
