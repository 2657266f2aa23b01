package io.tollgate.gateway.reports;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
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
import io.tollgate.ledger.money.Micros;

/**
 * {@code GET /api/ledger/statements?account_id=&month=2026-10}: an account's monthly statement from
 * the read models. Opening balance (credits minus spend of every earlier month), credits, usage by
 * model and by cost centre, closing balance, and the ledger seqs the month's events span. Months are
 * UTC and events belong to the month of their {@code occurred_at}, as in {@code replay --until}: the
 * closing balance equals the balance replay computes until the first instant of the next month.
 */
public final class StatementService implements HttpService {
    private final Guard guard;
    private final Db db;

    public StatementService(Guard guard, Db db) {
        this.guard = guard;
        this.db = db;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::statement);
    }

    private void statement(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_MANAGE);
        String account = req.query().first("account_id").orElse(Long.toString(caller.userId()));
        if (!caller.isFinance() && !account.equals(Long.toString(caller.userId()))) {
            throw ApiError.forbidden("not_your_account", "users see only their own statements");
        }
        YearMonth month = Period.month(req, "month");
        long userId;
        try {
            userId = Long.parseLong(account);
        } catch (NumberFormatException e) {
            throw ApiError.notFound("no account " + account);
        }
        Map<String, Object> out = db.read(c -> {
            long opening;
            try (PreparedStatement q = c.prepareStatement("SELECT coalesce(sum(credits_micros - spent_micros), 0) "
                    + "FROM rm_account_month WHERE account_id = ? AND month < ?")) {
                q.setString(1, account);
                q.setObject(2, month.atDay(1));
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    opening = rs.getLong(1);
                }
            }
            long credits = 0;
            long spent = 0;
            long requests = 0;
            Long firstSeq = null;
            Long lastSeq = null;
            try (PreparedStatement q = c.prepareStatement("SELECT credits_micros, spent_micros, requests, first_seq, "
                    + "last_seq FROM rm_account_month WHERE account_id = ? AND month = ?")) {
                q.setString(1, account);
                q.setObject(2, month.atDay(1));
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        credits = rs.getLong(1);
                        spent = rs.getLong(2);
                        requests = rs.getLong(3);
                        firstSeq = rs.getLong(4);
                        lastSeq = rs.getLong(5);
                    }
                }
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("account_id", account);
            body.put("month", month.toString());
            body.put("period_start", month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            body.put("period_end", month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC));
            body.put("currency", "USD");
            body.put("opening_balance", Micros.toDecimal(opening));
            body.put("credits", Micros.toDecimal(credits));
            Map<String, Object> usage = new LinkedHashMap<>();
            usage.put("requests", requests);
            usage.put("total", Micros.toDecimal(spent));
            LocalDate last = month.atEndOfMonth();
            usage.put("by_model", Breakdown.of(c, userId, "model", month.atDay(1), last));
            usage.put("by_cost_centre", Breakdown.of(c, userId, "cost_centre", month.atDay(1), last));
            body.put("usage", usage);
            body.put("closing_balance", Micros.toDecimal(opening + credits - spent));
            Map<String, Object> seqs = new LinkedHashMap<>();
            seqs.put("first_seq", firstSeq);
            seqs.put("last_seq", lastSeq);
            body.put("seq_range", seqs);
            return body;
        });
        Json.send(res, 200, out);
    }
}
