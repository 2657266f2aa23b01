package io.tollgate.gateway.routing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.Provider;
import io.tollgate.gateway.providers.ProviderRegistry;
import io.tollgate.ledger.events.DefaultModelSet;
import io.tollgate.ledger.events.DeploymentAdded;
import io.tollgate.ledger.events.DeploymentChanged;
import io.tollgate.ledger.events.ModelAvailabilityChanged;
import io.tollgate.ledger.events.ModelPriceSet;
import io.tollgate.ledger.events.ModelRegistered;
import io.tollgate.ledger.events.ModelRoutingSet;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.store.EventStore;

/**
 * The public models clients name and the deployments that serve them, with their resolved prices. The
 * whole table is held in memory for the hot path as one snapshot, read again after every change made here
 * and at most {@link #STALE_AFTER} after one made on another instance. A model a provider listed (its
 * {@code GET /models}) that nobody registered is callable by that name too (seed 004: add a provider,
 * call its models), one deployment per provider that lists it.
 */
public final class ModelCatalog {
    public static final Set<String> STRATEGIES = Set.of("weighted", "least_in_flight", "lowest_latency", "lowest_cost");
    static final Duration STALE_AFTER = Duration.ofSeconds(2);

    /** A model to register; prices null: none of its own (the catalogue's, or unpriced). */
    public record NewModel(String modelId, String displayName, long providerId, String upstreamName,
                           Long inputMicrosPerMillion, Long outputMicrosPerMillion, boolean free) {
    }

    /** A deployment to add to a model; prices null: the model's. */
    public record NewDeployment(String name, long providerId, String upstreamName, Long inputMicrosPerMillion,
                                Long outputMicrosPerMillion, int weight, int priority, Long rpmLimit, Long tpmLimit) {
    }

    /**
     * A public model: how it routes among its deployments and where it falls back to.
     *
     * @param registered false for a model only a provider's list names
     * @param available  seed 002's lifecycle: false once unloaded (no new calls until loaded again)
     */
    public record Model(String modelId, String displayName, String strategy, List<String> fallbacks, boolean available,
                        boolean registered, boolean free, Instant createdAt, List<ModelRoute> deployments) {
    }

    /** @param nextPriceAt when a price set for later takes effect: the snapshot is read again then, not up to 2 s after */
    private record Snapshot(Map<String, Model> models, long loadedAtNanos, Instant nextPriceAt) {
    }

    private final Db db;
    private final EventStore events;
    private final ProviderRegistry providers;
    private final PriceCatalog prices;
    private volatile Snapshot snapshot;
    private final AtomicBoolean reloading = new AtomicBoolean();

    public ModelCatalog(Db db, EventStore events, ProviderRegistry providers, PriceCatalog prices) {
        this.db = db;
        this.events = events;
        this.providers = providers;
        this.prices = prices;
        providers.onChange(this::reload);
    }

    public PriceCatalog prices() {
        return prices;
    }

    /** Every public model, sorted by id. */
    public List<Model> all() {
        return List.copyOf(current().models().values());
    }

    public Optional<Model> model(String modelId) {
        return Optional.ofNullable(current().models().get(modelId));
    }

    /** A model's usable deployments (enabled, on an enabled provider), lowest tier first. */
    public List<ModelRoute> deployments(String modelId) {
        Model m = current().models().get(modelId);
        return m == null ? List.of() : m.deployments().stream().filter(d -> d.provider().enabled()).toList();
    }

    /** The route a model's first deployment gives (for views of the model: its provider, its price). */
    public Optional<ModelRoute> route(String modelId) {
        Model m = current().models().get(modelId);
        return m == null || m.deployments().isEmpty() ? Optional.empty() : Optional.of(m.deployments().getFirst());
    }

    /** Each callable model's first deployment: the model list. */
    public List<ModelRoute> models() {
        return current().models().values().stream().filter(m -> m.available() && !m.deployments().isEmpty())
                .map(m -> m.deployments().getFirst()).filter(r -> r.provider().enabled()).toList();
    }

    public ModelRoute register(long actorUserId, NewModel m) {
        ModelRoute route = db.tx(c -> insert(c, actorUserId, m));
        reload();
        return route(route.modelId()).orElse(route);
    }

    /**
     * Seed 000's form: a model with its own endpoint and key. The endpoint becomes a provider of its own,
     * created in the same transaction as the model.
     */
    public ModelRoute registerWithEndpoint(long actorUserId, String endpoint, String apiKey, NewModel m) {
        ModelRoute route = db.tx(c -> {
            Provider p = providers.createProvider(c, actorUserId, "model:" + m.modelId(), "openai", endpoint, apiKey, true);
            return insert(c, actorUserId, new NewModel(m.modelId(), m.displayName(), p.id(), m.upstreamName(),
                    m.inputMicrosPerMillion(), m.outputMicrosPerMillion(), m.free()));
        });
        providers.changed();
        return route(route.modelId()).orElse(route);
    }

    private ModelRoute insert(Connection c, long actorUserId, NewModel m) throws SQLException {
        long id;
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO models (model_id, display_name, free) "
                + "VALUES (?, ?, ?) ON CONFLICT (model_id) DO NOTHING RETURNING id")) {
            insert.setString(1, m.modelId());
            insert.setString(2, m.displayName());
            insert.setBoolean(3, m.free());
            try (ResultSet rs = insert.executeQuery()) {
                if (!rs.next()) {
                    throw ApiError.conflict("model_exists", "a model with id " + m.modelId() + " already exists");
                }
                id = rs.getLong(1);
            }
        }
        if (m.inputMicrosPerMillion() != null && !m.free()) {
            insertPrice(c, m.modelId(), m.inputMicrosPerMillion(), m.outputMicrosPerMillion(), Instant.now());
        }
        events.append(c, List.of(NewEvent.of(new ModelRegistered(id, m.modelId(), m.displayName(), m.providerId(),
                m.upstreamName(), m.inputMicrosPerMillion() == null ? 0 : m.inputMicrosPerMillion(),
                m.outputMicrosPerMillion() == null ? 0 : m.outputMicrosPerMillion(), m.free(), actorUserId))));
        insertDeployment(c, actorUserId, m.modelId(), new NewDeployment(m.modelId(), m.providerId(), m.upstreamName(),
                null, null, 1, 0, null, null));
        return new ModelRoute(id, m.modelId(), m.displayName(), providers.provider(c, m.providerId()), m.upstreamName(),
                0, 0, m.free(), Instant.now(), m.modelId(), m.inputMicrosPerMillion() != null || m.free(), "model", 1, 0,
                null, null);
    }

    /** A deployment as administrators manage it, disabled ones included; prices null: the model's. */
    public record DeploymentRow(long id, String modelId, String name, long providerId, String providerName,
                                String upstreamName, Long inputMicrosPerMillion, Long outputMicrosPerMillion, int weight,
                                int priority, Long rpmLimit, Long tpmLimit, boolean enabled, Instant createdAt) {
    }

    /** A registered model's deployments, by priority then age; empty for a model nobody registered. */
    public List<DeploymentRow> deploymentRows(String modelId) {
        return db.read(c -> rows(c, "d.model_id = ?", q -> q.setString(1, modelId)));
    }

    public Optional<DeploymentRow> deploymentRow(long id) {
        return db.read(c -> rows(c, "d.id = ?", q -> q.setLong(1, id))).stream().findFirst();
    }

    private interface Binder {
        void bind(PreparedStatement q) throws SQLException;
    }

    private static List<DeploymentRow> rows(Connection c, String where, Binder binder) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT d.id, d.model_id, d.name, d.provider_id, p.name, "
                + "d.upstream_name, d.input_micros_per_million, d.output_micros_per_million, d.weight, d.priority, "
                + "d.rpm_limit, d.tpm_limit, d.enabled, d.created_at FROM deployments d JOIN providers p "
                + "ON p.id = d.provider_id WHERE " + where + " ORDER BY d.priority, d.id")) {
            binder.bind(q);
            try (ResultSet rs = q.executeQuery()) {
                List<DeploymentRow> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new DeploymentRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                            rs.getString(5), rs.getString(6), Db.nullableLong(rs, 7), Db.nullableLong(rs, 8), rs.getInt(9),
                            rs.getInt(10), Db.nullableLong(rs, 11), Db.nullableLong(rs, 12), rs.getBoolean(13),
                            rs.getTimestamp(14).toInstant()));
                }
                return out;
            }
        }
    }

    public long addDeployment(long actorUserId, String modelId, NewDeployment d) {
        long id = db.tx(c -> {
            if (!registered(c, modelId)) {
                throw ApiError.notFound("no registered model " + modelId + " (register it first with POST /v1/models)");
            }
            if (providers.provider(c, d.providerId()) == null) {
                throw ApiError.badRequest("unknown_provider", "no provider " + d.providerId());
            }
            return insertDeployment(c, actorUserId, modelId, d);
        });
        reload();
        return id;
    }

    private long insertDeployment(Connection c, long actorUserId, String modelId, NewDeployment d) throws SQLException {
        long id;
        try (PreparedStatement q = c.prepareStatement("INSERT INTO deployments (model_id, name, provider_id, upstream_name, "
                + "input_micros_per_million, output_micros_per_million, weight, priority, rpm_limit, tpm_limit) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING RETURNING id")) {
            q.setString(1, modelId);
            q.setString(2, d.name());
            q.setLong(3, d.providerId());
            q.setString(4, d.upstreamName());
            q.setObject(5, d.inputMicrosPerMillion());
            q.setObject(6, d.outputMicrosPerMillion());
            q.setInt(7, d.weight());
            q.setInt(8, d.priority());
            q.setObject(9, d.rpmLimit());
            q.setObject(10, d.tpmLimit());
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    throw ApiError.conflict("deployment_exists", "a deployment named " + d.name() + " already exists");
                }
                id = rs.getLong(1);
            }
        }
        events.append(c, List.of(NewEvent.of(new DeploymentAdded(id, modelId, d.name(), d.providerId(), d.upstreamName(),
                d.inputMicrosPerMillion(), d.outputMicrosPerMillion(), d.weight(), d.priority(), d.rpmLimit(), d.tpmLimit(),
                actorUserId))));
        return id;
    }

    /** Deployment columns a change may set, in the API's names (prices in micro-units here). */
    public static final Set<String> CHANGEABLE = Set.of("weight", "priority", "rpm_limit", "tpm_limit", "enabled",
            "input_micros_per_million", "output_micros_per_million");

    public void changeDeployment(long actorUserId, long deploymentId, Map<String, Object> changes) {
        if (!CHANGEABLE.containsAll(changes.keySet()) || changes.isEmpty()) {
            throw new IllegalArgumentException("not changeable: " + changes.keySet());
        }
        db.tx(c -> {
            List<String> columns = new ArrayList<>(changes.keySet());
            StringBuilder sql = new StringBuilder("UPDATE deployments SET ");
            sql.append(String.join(", ", columns.stream().map(col -> col + " = ?").toList()));
            sql.append(" WHERE id = ? RETURNING model_id, name");
            try (PreparedStatement u = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (String col : columns) {
                    u.setObject(i++, changes.get(col));
                }
                u.setLong(i, deploymentId);
                try (ResultSet rs = u.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiError.notFound("no deployment " + deploymentId);
                    }
                    Map<String, String> recorded = new TreeMap<>();
                    changes.forEach((k, v) -> recorded.put(k, String.valueOf(v)));
                    events.append(c, List.of(NewEvent.of(new DeploymentChanged(deploymentId, rs.getString(1),
                            rs.getString(2), recorded, false, actorUserId))));
                }
            } catch (SQLException e) {
                if ("23514".equals(e.getSQLState())) {
                    throw ApiError.badRequest("invalid_field", "weight is 1..1000, priority 0..100, limits above 0, "
                            + "and a deployment's prices come as a pair");
                }
                throw e;
            }
            return null;
        });
        reload();
    }

    /** Removes a deployment; a model keeps at least one (409 {@code last_deployment}). */
    public void removeDeployment(long actorUserId, long deploymentId) {
        db.tx(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT d.model_id, d.name, (SELECT count(*) FROM deployments x "
                    + "WHERE x.model_id = d.model_id) FROM deployments d WHERE d.id = ? FOR UPDATE")) {
                q.setLong(1, deploymentId);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiError.notFound("no deployment " + deploymentId);
                    }
                    if (rs.getLong(3) <= 1) {
                        throw ApiError.conflict("last_deployment", "deployment " + rs.getString(2)
                                + " is the only one of model " + rs.getString(1) + "; add another first");
                    }
                    try (PreparedStatement d = c.prepareStatement("DELETE FROM deployments WHERE id = ?")) {
                        d.setLong(1, deploymentId);
                        d.executeUpdate();
                    }
                    events.append(c, List.of(NewEvent.of(new DeploymentChanged(deploymentId, rs.getString(1),
                            rs.getString(2), Map.of(), true, actorUserId))));
                }
            }
            return null;
        });
        reload();
    }

    public void setRouting(long actorUserId, String modelId, String strategy, List<String> fallbacks) {
        db.tx(c -> {
            try (PreparedStatement u = c.prepareStatement("UPDATE models SET strategy = ?, fallbacks = ? WHERE model_id = ?")) {
                u.setString(1, strategy);
                u.setArray(2, c.createArrayOf("text", fallbacks.toArray()));
                u.setString(3, modelId);
                if (u.executeUpdate() == 0) {
                    throw ApiError.notFound("no registered model " + modelId);
                }
            }
            events.append(c, List.of(NewEvent.of(new ModelRoutingSet(modelId, strategy, fallbacks, actorUserId))));
            return null;
        });
        reload();
    }

    /** A model's price from {@code effectiveAt} on; calls before it keep the price they were charged. */
    public void setPrice(long actorUserId, String modelId, long input, long output, Instant effectiveAt) {
        db.tx(c -> {
            if (!registered(c, modelId)) {
                throw ApiError.notFound("no registered model " + modelId);
            }
            insertPrice(c, modelId, input, output, effectiveAt);
            events.append(c, List.of(NewEvent.of(new ModelPriceSet(modelId, input, output, effectiveAt, actorUserId))));
            return null;
        });
        reload();
    }

    public void setAvailable(long actorUserId, String modelId, boolean available, boolean forced) {
        db.tx(c -> {
            try (PreparedStatement u = c.prepareStatement("UPDATE models SET available = ? WHERE model_id = ?")) {
                u.setBoolean(1, available);
                u.setString(2, modelId);
                if (u.executeUpdate() == 0) {
                    throw ApiError.notFound("no registered model " + modelId);
                }
            }
            events.append(c, List.of(NewEvent.of(new ModelAvailabilityChanged(modelId, available, forced, actorUserId))));
            return null;
        });
        reload();
    }

    /** Seed 002's modalities; only text is served (by chat completions). */
    public static final java.util.Set<String> MODALITIES = java.util.Set.of("text");

    /** Makes {@code modelId} the model {@code /v1/generate} uses for {@code modality} when a request names none. */
    public void setDefault(long actorUserId, String modality, String modelId) {
        db.tx(c -> {
            try (PreparedStatement upsert = c.prepareStatement("INSERT INTO model_defaults (modality, model_id) "
                    + "VALUES (?, ?) ON CONFLICT (modality) DO UPDATE SET model_id = EXCLUDED.model_id, set_at = now()")) {
                upsert.setString(1, modality);
                upsert.setString(2, modelId);
                upsert.executeUpdate();
            }
            events.append(c, List.of(NewEvent.of(new DefaultModelSet(modality, modelId, actorUserId))));
            return null;
        });
    }

    public Optional<String> defaultModel(String modality) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT model_id FROM model_defaults WHERE modality = ?")) {
                q.setString(1, modality);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    private static void insertPrice(Connection c, String modelId, long input, long output, Instant at) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("INSERT INTO model_prices (model_id, effective_at, "
                + "input_micros_per_million, output_micros_per_million) VALUES (?, ?, ?, ?) ON CONFLICT (model_id, "
                + "effective_at) DO UPDATE SET input_micros_per_million = EXCLUDED.input_micros_per_million, "
                + "output_micros_per_million = EXCLUDED.output_micros_per_million")) {
            q.setString(1, modelId);
            q.setTimestamp(2, Timestamp.from(at));
            q.setLong(3, input);
            q.setLong(4, output);
            q.executeUpdate();
        }
    }

    private static boolean registered(Connection c, String modelId) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM models WHERE model_id = ?")) {
            q.setString(1, modelId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The snapshot, read again in the background once it is older than {@link #STALE_AFTER}. */
    private Snapshot current() {
        Snapshot s = snapshot;
        if (s == null || s.nextPriceAt() != null && !Instant.now().isBefore(s.nextPriceAt())) {
            reload();
            return snapshot;
        }
        if (System.nanoTime() - s.loadedAtNanos() > STALE_AFTER.toNanos() && reloading.compareAndSet(false, true)) {
            Thread.ofVirtual().start(() -> {
                try {
                    reload();
                } catch (RuntimeException e) {
                    // the database is away: keep serving the last snapshot, try again on a later call
                } finally {
                    reloading.set(false);
                }
            });
        }
        return s;
    }

    /** Reads every model, deployment and listed model again (after a change, here or elsewhere). */
    public void reload() {
        long at = System.nanoTime();
        snapshot = db.read(c -> new Snapshot(load(c), at, nextPriceAt(c)));
    }

    private static final String SELECT = "SELECT m.model_id, m.display_name, m.free, m.created_at, m.strategy, "
            + "m.fallbacks, m.available, mp.input_micros_per_million, mp.output_micros_per_million, d.id, d.name, "
            + "d.upstream_name, d.input_micros_per_million, d.output_micros_per_million, d.weight, d.priority, "
            + "d.rpm_limit, d.tpm_limit, d.enabled, d.created_at, " + ProviderRegistry.PROVIDER_COLUMNS_OF_P
            + " FROM models m LEFT JOIN LATERAL (SELECT input_micros_per_million, output_micros_per_million "
            + "FROM model_prices x WHERE x.model_id = m.model_id AND x.effective_at <= now() ORDER BY x.effective_at "
            + "DESC LIMIT 1) mp ON TRUE LEFT JOIN deployments d ON d.model_id = m.model_id "
            + "LEFT JOIN providers p ON p.id = d.provider_id ORDER BY m.model_id, d.priority, d.id";

    private static Instant nextPriceAt(Connection c) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT min(effective_at) FROM model_prices WHERE effective_at > now()");
             ResultSet rs = q.executeQuery()) {
            rs.next();
            Timestamp t = rs.getTimestamp(1);
            return t == null ? null : t.toInstant();
        }
    }

    private Map<String, Model> load(Connection c) throws SQLException {
        Map<String, Model> models = new TreeMap<>();
        Map<String, List<ModelRoute>> deployments = new LinkedHashMap<>();
        try (PreparedStatement q = c.prepareStatement(SELECT); ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                List<ModelRoute> routes = deployments.computeIfAbsent(id, k -> new ArrayList<>());
                if (!models.containsKey(id)) {
                    models.put(id, new Model(id, rs.getString(2), rs.getString(5),
                            Arrays.asList((String[]) rs.getArray(6).getArray()), rs.getBoolean(7), true, rs.getBoolean(3),
                            rs.getTimestamp(4).toInstant(), routes));
                }
                if (Db.nullableLong(rs, 10) == null || !rs.getBoolean(19)) {
                    continue;  // no deployment, or a disabled one
                }
                Provider p = providers.read(rs, 21);
                Long modelIn = Db.nullableLong(rs, 8);
                Long modelOut = Db.nullableLong(rs, 9);
                Long ownIn = Db.nullableLong(rs, 13);
                Long ownOut = Db.nullableLong(rs, 14);
                routes.add(priced(rs.getLong(10), id, rs.getString(2), p, rs.getString(12), rs.getBoolean(3),
                        rs.getTimestamp(20).toInstant(), rs.getString(11), ownIn != null ? ownIn : modelIn,
                        ownIn != null ? ownOut : modelOut, ownIn != null ? "deployment" : "model", rs.getInt(15),
                        rs.getInt(16), Db.nullableLong(rs, 17), Db.nullableLong(rs, 18)));
            }
        }
        // What providers list that nobody registered: callable by that name, priced from the catalogue.
        try (PreparedStatement q = c.prepareStatement("SELECT pm.upstream_name, " + ProviderRegistry.PROVIDER_COLUMNS_OF_P
                + " FROM provider_models pm JOIN providers p ON p.id = pm.provider_id WHERE NOT EXISTS "
                + "(SELECT 1 FROM models m WHERE m.model_id = pm.upstream_name) ORDER BY pm.upstream_name, p.id");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString(1);
                Provider p = providers.read(rs, 2);
                List<ModelRoute> routes = deployments.computeIfAbsent(id, k -> new ArrayList<>());
                models.putIfAbsent(id, new Model(id, id, "weighted", List.of(), true, false, false, p.createdAt(), routes));
                routes.add(priced(0, id, id, p, id, false, p.createdAt(), p.name() + "/" + id, null, null, "model", 1, 0,
                        null, null));
            }
        }
        models.replaceAll((k, m) -> new Model(m.modelId(), m.displayName(), m.strategy(), m.fallbacks(), m.available(),
                m.registered(), m.free(), m.createdAt(), List.copyOf(m.deployments())));
        return models;
    }

    /** A deployment with its price resolved: its own or the model's, else the catalogue's, else none. */
    private ModelRoute priced(long id, String modelId, String displayName, Provider p, String upstream, boolean free,
                              Instant createdAt, String name, Long input, Long output, String source, int weight,
                              int priority, Long rpm, Long tpm) {
        if (free) {
            return new ModelRoute(id, modelId, displayName, p, upstream, 0, 0, true, createdAt, name, true, "free",
                    weight, priority, rpm, tpm);
        }
        if (input != null) {
            return new ModelRoute(id, modelId, displayName, p, upstream, input, output, false, createdAt, name, true,
                    source, weight, priority, rpm, tpm);
        }
        // A model on one's own hardware (Ollama) costs no per-token price a vendor lists.
        Optional<PriceCatalog.Price> listed = p.loadsModels() ? Optional.empty() : prices.price(p.type(), upstream);
        return listed.map(pr -> new ModelRoute(id, modelId, displayName, p, upstream, pr.inputMicrosPerMillion(),
                        pr.outputMicrosPerMillion(), false, createdAt, name, true, "catalog:" + pr.source(), weight,
                        priority, rpm, tpm))
                .orElseGet(() -> new ModelRoute(id, modelId, displayName, p, upstream, 0, 0, false, createdAt, name, false,
                        "unpriced", weight, priority, rpm, tpm));
    }
}
