package io.tollgate.systemtests;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;

import io.tollgate.devstack.drill.Projected;
import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.projection.ReadModelStore;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.store.PostgresSettings;
import io.tollgate.projector.ProjectorConfig;
import io.tollgate.projector.ProjectorService;

/** The whole event flow for a test: gateway (with its relay) → Kafka topic → ledger-projector → read models. */
final class EventFlow implements AutoCloseable {
    final PostgresSettings db;
    final String topic = "ledger-" + UUID.randomUUID();
    final Gateway gateway;
    final ProjectorConfig projectorConfig;
    ProjectorService projector;
    final Api api;

    EventFlow(String bootstrap) {
        db = TestStack.freshDatabase();
        gateway = Gateway.start(TestStack.config(db).withKafka(bootstrap, topic));
        projectorConfig = TestStack.projectorConfig(db, bootstrap, topic);
        projector = ProjectorService.start(projectorConfig);
        api = new Api(gateway.port());
    }

    /** Events the read models account for (see {@link Projected}). */
    static long appliedEvents(javax.sql.DataSource ds) {
        return Projected.applied(ds);
    }

    static long ledgerEvents(javax.sql.DataSource ds) {
        return Projected.ledger(ds);
    }

    /** Waits until every event in the ledger has been applied, failing at once on a double count. */
    static void awaitProjected(javax.sql.DataSource ds, int seconds) {
        TestStack.await(() -> "the projector to apply every ledger event (applied/ledger/relayed: "
                + appliedEvents(ds) + "/" + ledgerEvents(ds) + "/" + TestStack.count(ds,
                "SELECT coalesce(max(last_seq), 0) FROM relay_checkpoint") + "; projector offsets "
                + TestStack.payloads(ds, "SELECT row_to_json(o)::text FROM projector_offset o") + "; ledger "
                + TestStack.payloads(ds, "SELECT json_build_object(type, count(*))::text FROM ledger_event GROUP BY type")
                + "; audit " + TestStack.payloads(ds, "SELECT json_build_object(action, count(*))::text FROM rm_audit "
                + "GROUP BY action") + "; balances " + TestStack.payloads(ds, "SELECT row_to_json(b)::text FROM rm_balance b")
                + ")", seconds, () -> {
            long applied = appliedEvents(ds);
            long ledger = ledgerEvents(ds);
            if (applied > ledger) {
                throw new AssertionError("double count: read models account for " + applied + " of " + ledger + " events");
            }
            return applied == ledger;
        });
    }

    void awaitProjected(int seconds) {
        awaitProjected(gateway.dataSource(), seconds);
    }

    ReadModels live() throws SQLException {
        try (Connection c = gateway.dataSource().getConnection()) {
            return new ReadModelStore("public").loadAll(c);
        }
    }

    @Override
    public void close() {
        projector.close();
        gateway.close();
    }
}
