package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.tollgate.devstack.DevPostgres;
import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.GatewayConfig;

/** A restart on the same data directory keeps users, keys, providers (with their encrypted keys) and events. */
class RestartTest {
    @Test
    void restartingOnTheSameDataDirectoryKeepsEverything() {
        Path dir = TestStack.tempDir("tollgate-restart");
        String key;
        long events;
        try (DevPostgres pg = DevPostgres.start(dir); Gateway g = Gateway.start(TestStack.config(pg.database("tollgate")))) {
            Api api = new Api(g.port());
            Catalog.register(api);
            assertEquals(201, api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"keep@me.io\"}").status());
            key = api.newKey(2L, "completion:invoke,model:any");
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "before restart", false)).status());
            events = TestStack.count(g.dataSource(), "SELECT count(*) FROM ledger_event");
        }
        try (DevPostgres pg = DevPostgres.start(dir); Gateway g = Gateway.start(TestStack.config(pg.database("tollgate")))) {
            Api api = new Api(g.port());
            assertEquals(events, TestStack.count(g.dataSource(), "SELECT count(*) FROM ledger_event"));
            assertEquals(2, api.get("/api/users", TestStack.ADMIN_KEY).json().size());
            assertEquals(2, api.get("/api/providers", TestStack.ADMIN_KEY).json().size());
            // The provider key decrypts with the same master key, so the upstream accepts the call.
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "after restart", false)).status());
            assertEquals(events + 1, TestStack.count(g.dataSource(), "SELECT count(*) FROM ledger_event"));
        }
    }

    @Test
    void withoutAConfiguredAdminKeyOneIsGeneratedOnFirstStartOnly() {
        Path dir = TestStack.tempDir("tollgate-bootstrap");
        String generated;
        try (DevPostgres pg = DevPostgres.start(dir)) {
            GatewayConfig config = TestStack.config(pg.database("tollgate")).withSecrets(TestStack.MASTER_KEY, "");
            try (Gateway g = Gateway.start(config)) {
                generated = g.generatedAdminKey().orElseThrow();
                assertTrue(generated.startsWith("tg_live_"));
                assertEquals(201, new Api(g.port()).post("/api/users", generated, "{\"email\":\"x@y.z\"}").status());
            }
            try (Gateway g = Gateway.start(config)) {
                assertTrue(g.generatedAdminKey().isEmpty(), "printed once, on the first start only");
                assertEquals(200, new Api(g.port()).get("/api/users", generated).status());
            }
        }
    }
}
