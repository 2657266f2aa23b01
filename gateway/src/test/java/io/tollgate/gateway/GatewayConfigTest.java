package io.tollgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

class GatewayConfigTest {
    private static final Path YAML = Path.of("../config/tollgate.yaml");

    @Test
    void theShippedYamlGivesUsableDefaults() {
        GatewayConfig c = GatewayConfig.load(YAML, Map.of());
        assertEquals(8080, c.port());
        assertEquals("jdbc:postgresql://localhost:5432/tollgate?sslmode=disable&reWriteBatchedInserts=true&options=-c%20synchronous_commit%3Don", c.database().jdbcUrl());
        assertTrue(c.autoMigrate());
        assertEquals(1048576, c.maxBodyBytes());
        assertEquals(4096, c.upstreamConcurrency());
    }

    @Test
    void theInFlightBoundIsSetByItsEnvironmentVariable() {
        assertEquals(64, GatewayConfig.load(YAML, Map.of("TOLLGATE_UPSTREAM_CONCURRENCY", "64")).upstreamConcurrency());
    }

    @Test
    void theMemoryBudgetIsHalfTheHeapUnlessItsEnvironmentVariableSetsIt() {
        assertEquals(Runtime.getRuntime().maxMemory() / 2, GatewayConfig.load(YAML, Map.of()).memoryBudget());
        assertEquals(64L << 20, GatewayConfig.load(YAML, Map.of("TOLLGATE_MEMORY_BUDGET", "67108864")).memoryBudget());
    }

    @Test
    void seed000EnvironmentVariablesOverrideTheYaml() {
        GatewayConfig c = GatewayConfig.load(YAML, Map.of(
                "POSTGRES_HOST", "db.internal", "POSTGRES_PORT", "6543", "POSTGRES_USER", "gw",
                "POSTGRES_PASSWORD", "pw", "POSTGRES_DB", "ledger", "POSTGRES_SSLMODE", "require",
                "DB_AUTOMIGRATE", "false", "SERVER_PORT", "9999",
                "TOLLGATE_MASTER_KEY", "bWFzdGVy", "TOLLGATE_BOOTSTRAP_ADMIN_KEY", "tg_admin_x"));
        assertEquals("jdbc:postgresql://db.internal:6543/ledger?sslmode=require&reWriteBatchedInserts=true&options=-c%20synchronous_commit%3Don", c.database().jdbcUrl());
        assertEquals("gw", c.database().user());
        assertEquals("pw", c.database().password());
        assertFalse(c.autoMigrate());
        assertEquals(9999, c.port());
        assertEquals("bWFzdGVy", c.masterKey());
        assertEquals("tg_admin_x", c.bootstrapAdminKey());
    }
}
