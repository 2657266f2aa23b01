package io.tollgate.gateway.reports;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.money.Micros;
import io.tollgate.ledger.projection.Projection;
import io.tollgate.ledger.projection.ReadModels;
import io.tollgate.ledger.account.AccountMonth;
import io.tollgate.ledger.store.EventStore;

/**
 * {@code GET /api/ledger/statements?account_id=&month=2026-10}: an account's monthly statement from
 * the read models. Opening balance (credits minus spend of every earlier month), credits, usage by
 * model and by cost centre, closing balance, and the ledger seqs the month's events span. Months are
 * UTC and events belong to the month of their {@code occurred_at}, as in {@code replay --until}: the
 * closing balance equals the balance replay computes until the first instant of the next month.
 *
 * <p>{@code GET /api/ledger/statements/verify} checks exactly that for one statement: it folds the
 * account's events from the ledger itself through the projection's own code (the one {@code replay}
 * uses) and compares opening balance, credits, spend, requests and seq range with the read models.
 */
public final class StatementService implements HttpService {
    private final Guard guard;
    private final Db db;
    private final EventStore events;

    public StatementService(Guard guard, Db db, EventStore events) {
        this.guard = guard;
        this.db = db;
        this.events = events;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::statement)
                .get("/verify", this::verify);
    }

    /** A statement's figures in micro-units; seqs null for a month without events. */
    private record Figures(long opening, long credits, long spent, long requests, Long firstSeq, Long lastSeq) {
        long closing() {
            return Math.addExact(opening, Math.subtractExact(credits, spent));
        }

        Map<String, Object> view() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("opening_balance", Micros.toDecimal(opening));
            out.put("credits", Micros.toDecimal(credits));
            out.put("usage_total", Micros.toDecimal(spent));
            out.put("requests", requests);
            out.put("closing_balance", Micros.toDecimal(closing()));
            out.put("first_seq", firstSeq);
            out.put("last_seq", lastSeq);
            return out;
        }
    }

    private record Ask(String account, long userId, YearMonth month) {
    }

    private Ask ask(ServerRequest req) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        String account = req.query().first("account_id").orElse(Long.toString(caller.userId()));
        if (!caller.isFinance() && !account.equals(Long.toString(caller.userId()))) {
            throw ApiError.forbidden("not_your_account", "users see only their own statements");
        }
        YearMonth month = Period.month(req, "month");
        try {
            return new Ask(account, Long.parseLong(account), month);
        } catch (NumberFormatException e) {
            throw ApiError.notFound("no account " + account);
        }
    }

    private void statement(ServerRequest req, ServerResponse res) {
        Ask ask = ask(req);
        YearMonth month = ask.month();
        Map<String, Object> out = db.read(c -> {
            Figures f = figures(c, ask);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("account_id", ask.account());
            body.put("month", month.toString());
            body.put("period_start", month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            body.put("period_end", month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            body.put("currency", "USD");
            body.put("opening_balance", Micros.toDecimal(f.opening()));
            body.put("credits", Micros.toDecimal(f.credits()));
            Map<String, Object> usage = new LinkedHashMap<>();
            usage.put("requests", f.requests());
            usage.put("total", Micros.toDecimal(f.spent()));
            LocalDate last = month.atEndOfMonth();
            usage.put("by_model", Breakdown.of(c, ask.userId(), "model", month.atDay(1), last));
            usage.put("by_cost_centre", Breakdown.of(c, ask.userId(), "cost_centre", month.atDay(1), last));
            body.put("usage", usage);
            body.put("closing_balance", Micros.toDecimal(f.closing()));
            Map<String, Object> seqs = new LinkedHashMap<>();
            seqs.put("first_seq", f.firstSeq());
            seqs.put("last_seq", f.lastSeq());
            body.put("seq_range", seqs);
            return body;
        });
        Json.send(res, 200, out);
    }

    private void verify(ServerRequest req, ServerResponse res) {
        Ask ask = ask(req);
        Figures statement = db.read(c -> figures(c, ask));
        Instant end = ask.month().plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        List<RecordedEvent> history;
        try {
            history = events.readAccount(ask.account(), end);
        } catch (SQLException e) {
            throw new io.tollgate.gateway.http.DatabaseException(e);
        }
        // Statements are sums of credits and spend; the waste window only shapes the waste model, unused here.
        Projection projection = new Projection(Duration.ZERO);
        ReadModels state = new ReadModels();
        for (RecordedEvent e : history) {
            state = projection.apply(state, e);
        }
        Figures replayed = replayed(state, ask);
        Map<String, Object> statementView = statement.view();
        Map<String, Object> replayView = replayed.view();
        List<Map<String, Object>> differences = new ArrayList<>();
        statementView.forEach((field, value) -> {
            Object other = replayView.get(field);
            if (!java.util.Objects.equals(String.valueOf(value), String.valueOf(other))) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("field", field);
                d.put("statement", value);
                d.put("replay", other);
                differences.add(d);
            }
        });
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("account_id", ask.account());
        out.put("month", ask.month().toString());
        out.put("verified", differences.isEmpty());
        out.put("events_replayed", history.size());
        out.put("replayed_through_seq", history.isEmpty() ? null : history.getLast().seq());
        out.put("statement", statementView);
        out.put("replay", replayView);
        out.put("differences", differences);
        Json.send(res, 200, out);
    }

    private static Figures replayed(ReadModels state, Ask ask) {
        long opening = 0;
        AccountMonth current = null;
        for (Map.Entry<io.tollgate.ledger.projection.Rows.MonthKey, AccountMonth> m : state.months.entrySet()) {
            if (!m.getKey().accountId().equals(ask.account())) {
                continue;
            }
            if (m.getKey().month().isBefore(ask.month())) {
                opening = Math.addExact(opening, Math.subtractExact(m.getValue().creditsMicros(), m.getValue().spentMicros()));
            } else if (m.getKey().month().equals(ask.month())) {
                current = m.getValue();
            }
        }
        return current == null ? new Figures(opening, 0, 0, 0, null, null)
                : new Figures(opening, current.creditsMicros(), current.spentMicros(), current.requests(),
                        current.firstSeq(), current.lastSeq());
    }

    /** The statement's figures as the read models hold them. */
    private static Figures figures(Connection c, Ask ask) throws SQLException {
        long opening;
        try (PreparedStatement q = c.prepareStatement("SELECT coalesce(sum(credits_micros - spent_micros), 0) "
                + "FROM rm_account_month WHERE account_id = ? AND month < ?")) {
            q.setString(1, ask.account());
            q.setObject(2, ask.month().atDay(1));
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                opening = rs.getLong(1);
            }
        }
        try (PreparedStatement q = c.prepareStatement("SELECT credits_micros, spent_micros, requests, first_seq, "
                + "last_seq FROM rm_account_month WHERE account_id = ? AND month = ?")) {
            q.setString(1, ask.account());
            q.setObject(2, ask.month().atDay(1));
            try (ResultSet rs = q.executeQuery()) {
                if (rs.next()) {
                    return new Figures(opening, rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                }
            }
        }
        return new Figures(opening, 0, 0, 0, null, null);
    }
}
