package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


/** Invariants 2 and 6: history cannot be rewritten, and no secret is stored in the clear. */
class LedgerImmutabilityAndSecretsTest extends GatewayTest {
    private String userKey;

    @BeforeAll
    void start() {
        userKey = api.newKey(null, "completion:invoke,model:any");
        assertEquals(200, api.post("/v1/chat/completions", userKey, Catalog.chatBody("chat", "hello", false)).status());
    }

    /** As the tables' owner: past the privileges the services lack, the trigger still refuses. */
    private void exec(String sql) throws SQLException {
        try (Connection c = TestStack.dataSource(database).getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void evenTheOwnerCannotUpdateDeleteOrTruncateLedgerEvents() {
        long events = TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event");
        assertTrue(events > 0);
        SQLException update = assertThrows(SQLException.class,
                () -> exec("UPDATE ledger_event SET payload = '{}'::jsonb WHERE type = 'UsageRecorded'"));
        assertTrue(update.getMessage().contains("append-only"), update.getMessage());
        assertThrows(SQLException.class, () -> exec("DELETE FROM ledger_event"));
        assertThrows(SQLException.class, () -> exec("TRUNCATE ledger_event"));
        assertEquals(events, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event"));
    }

    /** Every row of every table as text: a secret anywhere in the database would show here. */
    private String wholeDatabase() throws SQLException {
        StringBuilder all = new StringBuilder();
        try (Connection c = gateway.dataSource().getConnection(); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = s.executeQuery("SELECT t::text FROM \"" + t + "\" t")) {
                    while (rs.next()) {
                        all.append(rs.getString(1)).append('\n');
                    }
                }
            }
        }
        return all.toString();
    }

    @Test
    void noPlaintextApiKeyOrProviderKeyIsStoredAnywhere() throws SQLException {
        String db = wholeDatabase();
        assertTrue(db.contains("mock-anthropic"), "the dump covers the providers table");
        assertFalse(db.contains(userKey), "user API key in plaintext");
        assertFalse(db.contains(TestStack.ADMIN_KEY), "bootstrap admin key in plaintext");
        assertFalse(db.contains(TestStack.UPSTREAM_KEY), "provider API key in plaintext");
        // The bytea column as hex: the key's bytes must not appear there either.
        String hex = java.util.HexFormat.of().formatHex(TestStack.UPSTREAM_KEY.getBytes());
        assertFalse(db.contains(hex), "provider API key bytes stored unencrypted");
    }

    @Test
    void providerKeysAreNeverReturnedByTheApi() {
        Api.Reply list = api.get("/api/providers", TestStack.ADMIN_KEY);
        assertEquals(200, list.status());
        assertFalse(list.body().contains(TestStack.UPSTREAM_KEY));
        assertTrue(list.json().get(0).get("has_api_key").asBoolean());
    }

    @Test
    void aKeyIsShownOnceAndNeverListed() {
        Api.Reply keys = api.get("/api/keys", TestStack.ADMIN_KEY);
        assertEquals(200, keys.status());
        assertFalse(keys.body().contains(userKey));
        assertFalse(keys.body().contains("\"key\""));
    }
}
