package io.tollgate.gateway.health;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.http.Json;
import io.tollgate.ledger.store.GroupCommitWriter;

/**
 * {@code GET /api/admin/health}: where each stage of the event flow stands, for the console's health
 * page: Postgres (answering, round trip), the ledger's group commit (accepting, backlog, newest seq),
 * the relay to Kafka (published seq, events behind) and the projector (seq applied, events behind).
 * A stalled Kafka shows as a relay lag that grows; a stopped projector as a projector lag that grows.
 */
public final class SystemStatusService implements HttpService {
    private final Guard guard;
    private final GroupCommitWriter writer;
    private final LedgerLag lag;
    private final IntSupplier inFlight;

    public SystemStatusService(Guard guard, GroupCommitWriter writer, LedgerLag lag, IntSupplier inFlight) {
        this.guard = guard;
        this.writer = writer;
        this.lag = lag;
        this.inFlight = inFlight;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::status);
    }

    private void status(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.ADMIN);
        Map<String, Object> out = new LinkedHashMap<>();
        long started = System.nanoTime();
        LedgerLag.Positions seqs;
        Map<String, Object> postgres = new LinkedHashMap<>();
        try {
            seqs = lag.positions();
            postgres.put("status", "up");
            postgres.put("round_trip_ms", (System.nanoTime() - started) / 1_000_000.0);
        } catch (RuntimeException e) {
            seqs = null;
            postgres.put("status", "down");
            postgres.put("error", String.valueOf(e.getMessage()));
        }
        out.put("postgres", postgres);

        Map<String, Object> ledger = new LinkedHashMap<>();
        ledger.put("accepting", writer.healthy());
        ledger.put("commit_backlog_ms", writer.backlog().toMillis());
        ledger.put("last_seq", seqs == null ? null : seqs.lastSeq());
        out.put("ledger", ledger);

        Map<String, Object> relay = new LinkedHashMap<>();
        relay.put("enabled", lag.relaying());
        if (lag.relaying() && seqs != null) {
            relay.put("published_seq", seqs.publishedSeq());
            relay.put("lag_events", seqs.relayLag());
        }
        out.put("kafka_relay", relay);

        Map<String, Object> projector = new LinkedHashMap<>();
        if (seqs != null) {
            projector.put("applied_seq", seqs.appliedSeq());
            projector.put("lag_events", seqs.projectorLag());
        }
        out.put("projector", projector);
        out.put("calls_in_flight", inFlight.getAsInt());
        Json.send(res, 200, out);
    }
}
