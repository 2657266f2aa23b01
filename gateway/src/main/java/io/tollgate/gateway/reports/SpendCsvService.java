package io.tollgate.gateway.reports;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.money.Micros;

/**
 * {@code GET /api/reports/spend.csv?group_by=cost_centre,month&from=&to=}: the spend roll-up grouped
 * by any of its dimensions, as CSV for spreadsheets (cost in USD with 6 decimals). Administrators
 * get everyone's spend, a user its own.
 */
public final class SpendCsvService implements HttpService {
    /** group_by names → SQL expressions over rm_spend. */
    private static final Map<String, String> DIMENSIONS = new LinkedHashMap<>();

    static {
        DIMENSIONS.put("day", "to_char(day, 'YYYY-MM-DD')");
        DIMENSIONS.put("month", "to_char(day, 'YYYY-MM')");
        DIMENSIONS.put("year", "to_char(day, 'YYYY')");
        DIMENSIONS.put("user_id", "user_id::text");
        DIMENSIONS.put("key_id", "key_id::text");
        DIMENSIONS.put("project", "project");
        DIMENSIONS.put("cost_centre", "cost_centre");
        DIMENSIONS.put("environment", "environment");
        DIMENSIONS.put("agent", "agent");
        DIMENSIONS.put("model", "model");
    }

    private static final java.util.Set<String> DAILY_ONLY = java.util.Set.of("day", "key_id", "agent");
    private final Guard guard;
    private final Db db;

    public SpendCsvService(Guard guard, Db db) {
        this.guard = guard;
        this.db = db;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/spend.csv", this::csv);
    }

    private void csv(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        List<String> groups = new ArrayList<>(new LinkedHashSet<>(List.of(
                req.query().first("group_by").orElse("cost_centre,month").split(","))));
        groups.replaceAll(String::trim);
        for (String g : groups) {
            if (!DIMENSIONS.containsKey(g)) {
                throw ApiError.badRequest("invalid_group_by", "group_by takes a comma-separated list of "
                        + DIMENSIONS.keySet() + "; not " + g);
            }
        }
        LocalDate from = Period.day(req, "from").orElse(null);
        LocalDate to = Period.day(req, "to").orElse(null);
        Where w = new Where().andIf(!caller.isFinance(), "user_id = ?", caller.userId());
        // Days, keys and agents exist only in the daily roll-up; anything coarser can use the monthly one.
        SpendRange range = SpendRange.between(from, to, groups.stream().anyMatch(DAILY_ONLY::contains));
        List<String> exprs = groups.stream().map(DIMENSIONS::get).toList();
        String sql = "SELECT " + String.join(", ", exprs) + ", sum(requests), sum(prompt_tokens), sum(completion_tokens), "
                + "sum(cost_micros) FROM " + range.sql() + " s WHERE " + w.sql() + " GROUP BY " + String.join(", ", exprs)
                + " ORDER BY " + String.join(", ", exprs);
        StringWriter text = new StringWriter();
        db.read(c -> {
            try (PreparedStatement q = c.prepareStatement(sql);
                 CSVPrinter csv = new CSVPrinter(text, CSVFormat.RFC4180.builder().setHeader(header(groups)).get())) {
                w.bind(q, range.parameters().bind(q, 1));
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        List<Object> row = new ArrayList<>();
                        for (int i = 1; i <= groups.size(); i++) {
                            row.add(CsvCells.text(rs.getString(i)));
                        }
                        int n = groups.size();
                        row.add(rs.getLong(n + 1));
                        row.add(rs.getLong(n + 2));
                        row.add(rs.getLong(n + 3));
                        row.add(Micros.toDecimal(rs.getLong(n + 4)).toPlainString());
                        csv.printRecord(row);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        });
        res.header(HeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
        res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"spend.csv\"");
        res.send(text.toString());
    }

    private static String[] header(List<String> groups) {
        List<String> h = new ArrayList<>(groups);
        h.addAll(List.of("requests", "prompt_tokens", "completion_tokens", "cost_usd"));
        return h.toArray(String[]::new);
    }
}
