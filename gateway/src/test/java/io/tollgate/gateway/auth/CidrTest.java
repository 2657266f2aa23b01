package io.tollgate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class CidrTest {
    private static boolean contains(String cidr, String address) throws Exception {
        return Cidr.parse(cidr).contains(InetAddress.getByName(address));
    }

    @Test
    void anIpv4BlockContainsExactlyItsAddresses() throws Exception {
        assertTrue(contains("10.0.0.0/8", "10.255.1.2"));
        assertFalse(contains("10.0.0.0/8", "11.0.0.1"));
        assertTrue(contains("192.168.1.128/25", "192.168.1.200"));
        assertFalse(contains("192.168.1.128/25", "192.168.1.127"));
        assertTrue(contains("203.0.113.7", "203.0.113.7"), "a bare address is a /32");
        assertFalse(contains("203.0.113.7", "203.0.113.8"));
        assertTrue(contains("0.0.0.0/0", "8.8.8.8"));
    }

    @Test
    void ipv6BlocksWorkAndNeverMatchIpv4() throws Exception {
        assertTrue(contains("2001:db8::/32", "2001:db8:1::5"));
        assertFalse(contains("2001:db8::/32", "2001:db9::1"));
        assertFalse(contains("2001:db8::/32", "10.0.0.1"));
    }

    @Test
    void hostNamesAndBadPrefixesAreRefusedWithoutALookup() {
        for (String bad : new String[] {"example.com", "10.0.0.0/33", "10.0.0/8", "10.0.0.0/x", "::1/129", ""}) {
            assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
        }
    }

    @Test
    void aWildcardDomainMatchesSubdomainsOnly() {
        assertTrue(Authenticator.domainMatches("*.corp.example", "team.corp.example"));
        assertFalse(Authenticator.domainMatches("*.corp.example", "corp.example.evil.io"));
        assertTrue(Authenticator.domainMatches("App.Example.com", "app.example.com"));
        assertFalse(Authenticator.domainMatches("app.example.com", "evilapp.example.com"));
    }
}
