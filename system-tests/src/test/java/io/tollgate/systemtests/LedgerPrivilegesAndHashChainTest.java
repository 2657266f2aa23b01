package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.projector.Replay;
import io.tollgate.schema.Migrate;

/**
 * Invariant 2 by privilege and by evidence: the role the services run as may append to the ledger and read
 * it, and nothing else; and every event is hash-chained to the one before, so an edit made by the
 * database's superuser, past every privilege, is found and named by its seq.
 */
class LedgerPrivilegesAndHashChainTest extends GatewayTest {
    @BeforeAll
    void calls() {
        for (int i = 0; i < 5; i++) {
            assertEquals(200, api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "chain " + i, false)).status());
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Connection as(PostgresSettings db) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
    }

    @Test
    void theServicesRoleMayAppendAndReadTheLedgerButNotChangeItOrItsTriggers() throws SQLException {
        assertEquals(Migrate.APP_ROLE, gateway.dataSource().getConnection().getMetaData().getUserName());
        try (Connection app = gateway.dataSource().getConnection()) {
            for (String sql : new String[] {"UPDATE ledger_event SET payload = '{}'::jsonb", "DELETE FROM ledger_event",
                    "TRUNCATE ledger_event", "ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_no_update_delete",
                    "ALTER TABLE ledger_event DISABLE TRIGGER ALL", "DROP TRIGGER ledger_event_hash_chain ON ledger_event",
                    "DROP TABLE ledger_event"}) {
                SQLException e = assertThrows(SQLException.class, () -> exec(app, sql), sql);
                assertTrue(e.getMessage().contains("permission denied") || e.getMessage().contains("must be owner"),
                        sql + ": " + e.getMessage());
            }
            try (Statement s = app.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM ledger_event")) {
                rs.next();
                assertTrue(rs.getLong(1) > 5, "it reads the ledger");
            }
        }
    }

    @Test
    void anEditBySuperuserBreaksTheChainAtItsSeqForTheEndpointAndForReplayVerify() throws Exception {
        JsonNode before = api.get("/api/ledger/chain", TestStack.ADMIN_KEY).json();
        assertTrue(before.get("intact").asBoolean(), before.toString());
        assertTrue(replayVerify().contains("hash chain: OK"), "intact before the edit");
        long tampered = TestStack.count(gateway.dataSource(),
                "SELECT min(seq) FROM ledger_event WHERE type = 'UsageRecorded'") + 2;
        try (Connection su = as(database)) {
            exec(su, "ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_no_update_delete");
            exec(su, "UPDATE ledger_event SET payload = jsonb_set(payload, '{cost_micros}', '1') WHERE seq = " + tampered);
            exec(su, "ALTER TABLE ledger_event ENABLE TRIGGER ledger_event_no_update_delete");
        }
        JsonNode after = api.get("/api/ledger/chain", TestStack.ADMIN_KEY).json();
        assertFalse(after.get("intact").asBoolean(), after.toString());
        assertEquals(tampered, after.get("first_broken_seq").asLong());
        assertEquals(403, api.get("/api/ledger/chain", api.newKey(null, "completion:invoke,model:any")).status());

        String out = replayVerify();
        assertTrue(out.contains("hash chain: BROKEN at seq " + tampered), out);
        assertTrue(out.contains("verify: FAILED"), out);
    }

    /** What {@code tollgate replay --verify} prints for this database. */
    private String replayVerify() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Replay.run(TestStack.projectorConfig(database, "", "unused"), Replay.Source.POSTGRES, null, true,
                new PrintStream(printed, true, StandardCharsets.UTF_8));
        return printed.toString(StandardCharsets.UTF_8);
    }
}
