package io.tollgate.gateway.plans;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.tollgate.gateway.Db;

/** The plans, read once: they are defined by migrations, so they do not change while the gateway runs. */
public final class PlanCatalog {
    private final List<Plan> plans;

    public PlanCatalog(Db db) {
        this.plans = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT id, name, description, prepaid, monthly_token_quota, "
                    + "monthly_spend_quota_micros, allowed_models, features, requests_per_minute, requests_per_hour, "
                    + "requests_per_day, tokens_per_minute, tokens_per_hour, tokens_per_day FROM plans ORDER BY id");
                 ResultSet rs = q.executeQuery()) {
                List<Plan> out = new ArrayList<>();
                while (rs.next()) {
                    java.sql.Array models = rs.getArray(7);
                    out.add(new Plan(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                            Db.nullableLong(rs, 5), Db.nullableLong(rs, 6), models == null ? null : Db.texts(models),
                            Db.texts(rs.getArray(8)), Limits.read(rs, 9)));
                }
                return List.copyOf(out);
            }
        });
    }

    public List<Plan> all() {
        return plans;
    }

    public Optional<Plan> find(String id) {
        return id == null ? Optional.empty() : plans.stream().filter(p -> p.id().equals(id)).findFirst();
    }
}
