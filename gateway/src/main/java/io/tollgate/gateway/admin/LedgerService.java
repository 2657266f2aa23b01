package io.tollgate.gateway.admin;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.DatabaseException;
import io.tollgate.gateway.http.Json;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.store.EventStore;
import io.tollgate.ledger.store.HashChain;

/**
 * {@code GET /api/ledger/events?after_seq=N&limit=M}: the raw ledger, in seq order, for audit; and
 * {@code GET /api/ledger/chain}: the check of its hash chain.
 */
public final class LedgerService implements HttpService {
    private static final int MAX_LIMIT = 10_000;

    private final Guard guard;
    private final EventStore events;

    public LedgerService(Guard guard, EventStore events) {
        this.guard = guard;
        this.events = events;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/events", this::export)
                .get("/chain", this::chain);
    }

    /**
     * Recomputes the hash chain over the whole ledger: {@code intact}, how many events were checked, the
     * chain's head (publish it elsewhere to pin history), or the first seq that breaks it.
     */
    private void chain(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.FINANCE);
        HashChain.Result r;
        try {
            r = events.verifyChain();
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("intact", r.intact());
        out.put("checked_events", r.checked());
        out.put("first_broken_seq", r.firstBrokenSeq());
        out.put(r.intact() ? "head_hash" : "last_good_hash", r.headHex());
        Json.send(res, 200, out);
    }

    private void export(ServerRequest req, ServerResponse res) {
        guard.require(req, Access.FINANCE);
        long afterSeq = queryLong(req, "after_seq", 0, 0, Long.MAX_VALUE);
        int limit = (int) queryLong(req, "limit", 1000, 1, MAX_LIMIT);
        List<RecordedEvent> page;
        try {
            page = events.readAfter(afterSeq, limit);
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
        List<Map<String, Object>> out = page.stream().map(LedgerService::view).toList();
        long next = page.isEmpty() ? afterSeq : page.getLast().seq();
        Json.send(res, 200, Map.of("events", out, "next_after_seq", next));
    }

    static long queryLong(ServerRequest req, String name, long dflt, long min, long max) {
        String raw = req.query().first(name).orElse(null);
        if (raw == null) {
            return dflt;
        }
        try {
            long v = Long.parseLong(raw);
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("invalid_" + name, name + " must be an integer from " + min + " to " + max);
        }
    }

    private static Map<String, Object> view(RecordedEvent e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", e.seq());
        m.put("event_id", e.eventId());
        m.put("type", e.type());
        m.put("version", e.version());
        m.put("occurred_at", e.occurredAt());
        m.put("account_id", e.accountId());
        m.put("payload", e.event());
        return m;
    }
}
