package io.tollgate.gateway.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import io.helidon.webclient.api.DnsAddressLookup;
import io.tollgate.gateway.http.ApiError;

class UpstreamAddressesTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void linkLocalAndMetadataAddressesAreNeverReachableWhateverTheirSpelling() throws Exception {
        for (String a : new String[] {"169.254.169.254", "fe80::1", "::ffff:169.254.169.254", "100.100.100.200",
                "fd00:ec2::254", "0.0.0.0", "224.0.0.1", "255.255.255.255"}) {
            assertNotNull(UpstreamAddresses.forbidden(ip(a)), a);
        }
        for (String a : new String[] {"8.8.8.8", "10.1.2.3", "127.0.0.1", "2606:4700::1"}) {
            assertNull(UpstreamAddresses.forbidden(ip(a)), a);
        }
    }

    @Test
    void privateAndLoopbackAddressesAreForAdministratorsOnly() throws Exception {
        for (String a : new String[] {"10.0.0.5", "172.16.0.1", "192.168.1.1", "127.0.0.1", "::1", "fd12::1", "100.64.0.1"}) {
            assertTrue(UpstreamAddresses.internal(ip(a)), a);
        }
        assertFalse(UpstreamAddresses.internal(ip("93.184.216.34")));
        ApiError e = assertThrows(ApiError.class, () -> UpstreamAddresses.checked("base_url", "http://10.0.0.5:8000/v1", false));
        assertEquals("upstream_address_not_allowed", e.code());
        assertEquals("http://10.0.0.5:8000/v1", UpstreamAddresses.checked("base_url", "http://10.0.0.5:8000/v1/", true));
        assertEquals(403, assertThrows(ApiError.class, () -> UpstreamAddresses.checked("endpoint", "http://127.0.0.1:9/v1", false))
                .status());
    }

    @Test
    void theConnectionTimeResolverRefusesAMetadataAddressWhateverTheUrlWasWhenSet() {
        assertThrows(IllegalArgumentException.class, () -> UpstreamAddresses.guardedResolver()
                .resolveAddress("169.254.169.254", DnsAddressLookup.defaultLookup()));
        assertEquals("127.0.0.1", UpstreamAddresses.guardedResolver().resolveAddress("127.0.0.1",
                DnsAddressLookup.defaultLookup()).getHostAddress());
    }
}
