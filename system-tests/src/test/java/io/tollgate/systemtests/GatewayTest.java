package io.tollgate.systemtests;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import io.tollgate.gateway.Gateway;

/** A gateway on its own fresh database with the test catalog registered, and a key that may call every model. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GatewayTest {
    protected Gateway gateway;
    /** The gateway's database as its owner (the gateway itself runs as the application role). */
    protected io.tollgate.ledger.store.PostgresSettings database;
    protected Api api;
    protected String key;

    @BeforeAll
    void startGateway() {
        database = TestStack.freshDatabase();
        gateway = Gateway.start(TestStack.config(database));
        api = new Api(gateway.port());
        Catalog.register(api);
        key = api.newKey(null, "completion:invoke,model:any");
    }

    @AfterAll
    void stopGateway() {
        gateway.close();
    }

    protected long usageCount() {
        return TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded'");
    }

    protected com.fasterxml.jackson.databind.JsonNode lastUsageEvent() {
        return TestStack.usageEvents(gateway.dataSource()).getLast();
    }
}
