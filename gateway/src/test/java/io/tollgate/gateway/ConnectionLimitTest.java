package io.tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConnectionLimitTest {
    @Test
    void clientConnectionsAreBoundedByTheHeapAsWellAsByFileDescriptors() {
        int limit = Gateway.connectionLimit();
        assertTrue(limit >= 16);
        assertTrue(limit <= Runtime.getRuntime().maxMemory() / (128 << 10), "limit " + limit);
    }
}
