package io.tollgate.gateway.identity;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.ApiKeys;
import io.tollgate.gateway.auth.Authenticator;
import io.tollgate.gateway.auth.Cidr;
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.ledger.events.ApiKeyCreated;
import io.tollgate.ledger.events.KeyRevoked;
import io.tollgate.ledger.events.KeyRotated;
import io.tollgate.ledger.events.KeyUpdated;
import io.tollgate.ledger.events.PlanAssigned;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UserCreated;
import io.tollgate.ledger.events.UserUpdated;
import io.tollgate.ledger.store.EventStore;

/** Users and their API keys. Every change commits together with the ledger event that records it. */
public final class UserDirectory {
    public record User(long id, String email, String name, String role, boolean disabled, Instant createdAt,
                       String planId) {
    }

    /**
     * @param parentKeyId the key this one was created from (its limits bound this one), or null
     * @param issuedBy    who created it (null: the bootstrap); its owner may not loosen what someone else set
     */
    public record Key(long id, long userId, String name, String prefix, List<String> scopes, String environment,
                      String costCentre, String project, String agent, Instant expiresAt, Instant revokedAt,
                      Instant createdAt, KeyPolicy policy, Instant rotatedAt, Long parentKeyId, Long issuedBy) {
        public boolean virtual() {
            return "virtual".equals(policy.kind());
        }
    }

    /** A new key: the only moment the secret exists outside the caller's hands. */
    public record IssuedKey(Key key, String secret) {
    }

    public record KeySpec(String name, Set<String> scopes, String environment, String costCentre, String project,
                          String agent, Instant expiresAt, KeyPolicy policy) {
    }

    /** Columns a key update may set, as the API names them (the column names too). */
    public static final Set<String> UPDATABLE = Set.of("name", "cost_centre", "project", "agent", "expires_at",
            "monthly_budget_micros", "max_tokens_per_request", "max_reasoning_tokens", "ip_allowlist",
            "allowed_domains", "max_requests", "max_spend_micros");

    private static final String USER_COLUMNS = "id, email, name, role, disabled, created_at, plan_id";
    private static final String KEY_COLUMNS = "id, user_id, name, prefix, scopes, environment, cost_centre, project, "
            + "agent, expires_at, revoked_at, created_at, kind, monthly_budget_micros, max_tokens_per_request, "
            + "max_reasoning_tokens, ip_allowlist, allowed_domains, max_requests, max_spend_micros, rotated_at, "
            + "parent_key_id, issued_by";

    private final Db db;
    private final EventStore events;
    private final Authenticator authenticator;

    public UserDirectory(Db db, EventStore events, Authenticator authenticator) {
        this.db = db;
        this.events = events;
        this.authenticator = authenticator;
    }

    /** @param passwordHash the bcrypt hash of a login password, or null: keys only until one is set */
    public User createUser(Long actorUserId, String email, String name, String role, String passwordHash) {
        return db.tx(c -> createUser(c, actorUserId, email, name, role, passwordHash));
    }

    /** In the caller's transaction; {@code actorUserId} null with a password means the user registered itself. */
    public User createUser(Connection c, Long actorUserId, String email, String name, String role, String passwordHash)
            throws SQLException {
        User user;
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO users (email, name, role, password_hash) "
                + "VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING RETURNING " + USER_COLUMNS)) {
            insert.setString(1, email);
            insert.setString(2, name);
            insert.setString(3, role);
            insert.setString(4, passwordHash);
            try (ResultSet rs = insert.executeQuery()) {
                if (!rs.next()) {
                    throw ApiError.conflict("email_exists", "a user with email " + email + " already exists");
                }
                user = user(rs);
            }
        }
        events.append(c, List.of(NewEvent.of(new UserCreated(user.id(), email, name, role, actorUserId))));
        return user;
    }

    public List<User> users() {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM users ORDER BY id");
                 ResultSet rs = q.executeQuery()) {
                List<User> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(user(rs));
                }
                return out;
            }
        });
    }

    public Optional<User> user(long id) {
        return db.read(c -> user(c, id));
    }

    public long userCount() {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT count(*) FROM users"); ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** @param parentKeyId the key the caller used, when a key creates a key (its family stays inside its limits) */
    public IssuedKey issueKey(Long actorUserId, long userId, KeySpec spec, Long parentKeyId) {
        return db.tx(c -> issueKey(c, actorUserId, userId, spec, parentKeyId));
    }

    /** As above, in the caller's transaction. */
    public IssuedKey issueKey(Connection c, Long actorUserId, long userId, KeySpec spec, Long parentKeyId)
            throws SQLException {
        String secret = ApiKeys.generate("virtual".equals(spec.policy().kind()) ? "vk" : "tg", spec.environment());
        return new IssuedKey(insertKey(c, actorUserId, userId, spec, secret, parentKeyId), secret);
    }

    /**
     * First start: the admin user, with a key equal to {@code presetSecret} if one is configured.
     * Returns the secret to print once, or empty when nothing was created. A preset is installed once:
     * after it is rotated or revoked it never comes back, whatever the environment still says.
     */
    public Optional<String> bootstrapAdmin(String presetSecret) {
        if (!presetSecret.isEmpty()) {
            String weakness = ApiKeys.weakness(presetSecret);
            if (weakness != null) {
                throw new IllegalStateException("TOLLGATE_BOOTSTRAP_ADMIN_KEY is refused: " + weakness
                        + ". Leave it unset to have one generated, or use e.g. `openssl rand -base64 32`.");
            }
        }
        return db.tx(c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(7011)")) {
                lock.execute();
            }
            Optional<Long> adminId = firstAdmin(c);
            if (presetSecret.isEmpty()) {
                if (adminId.isPresent()) {
                    return Optional.<String>empty();
                }
                String secret = ApiKeys.generate("live");
                long id = createUser(c, null, "admin@localhost", "Administrator", Principal.ADMIN_ROLE, null).id();
                insertBootstrapKey(c, id, secret);
                return Optional.of(secret);
            }
            if (bootstrapKeyUsed(c, ApiKeys.hash(presetSecret))) {
                return Optional.<String>empty();
            }
            long id = adminId.isPresent() ? adminId.get()
                    : createUser(c, null, "admin@localhost", "Administrator", Principal.ADMIN_ROLE, null).id();
            insertBootstrapKey(c, id, presetSecret);
            return Optional.<String>empty();
        });
    }

    private void insertBootstrapKey(Connection c, long adminId, String secret) throws SQLException {
        insertKey(c, null, adminId, new KeySpec("bootstrap admin", new java.util.LinkedHashSet<>(List.of(Scopes.ADMIN,
                Scopes.INVOKE, Scopes.MODEL_ANY, Scopes.MODEL_WRITE)), "live", null, null, null, null, KeyPolicy.NONE),
                secret, null);
        try (PreparedStatement q = c.prepareStatement("INSERT INTO bootstrap_keys (key_hash) VALUES (?) ON CONFLICT DO NOTHING")) {
            q.setBytes(1, ApiKeys.hash(secret));
            q.executeUpdate();
        }
    }

    private static boolean bootstrapKeyUsed(Connection c, byte[] hash) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT 1 FROM bootstrap_keys WHERE key_hash = ? UNION ALL "
                + "SELECT 1 FROM api_keys WHERE key_hash = ? OR previous_key_hash = ?")) {
            q.setBytes(1, hash);
            q.setBytes(2, hash);
            q.setBytes(3, hash);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next();
            }
        }
    }

    public List<Key> keysOf(long userId) {
        return keysWhere("user_id = ? ORDER BY id", userId);
    }

    /** The key a secret belongs to (seed 001 names keys by their secret in admin requests). */
    public Optional<Key> keyBySecret(String secret) {
        return keysWhere("key_hash = ?", ApiKeys.hash(secret.trim())).stream().findFirst();
    }

    public Optional<Key> key(long keyId) {
        return db.read(c -> findKey(c, keyId));
    }

    /** Revokes a key; the ledger gets {@code KeyRevoked} and this instance stops accepting the key at once. */
    public Key revokeKey(long actorUserId, long keyId, String reason) {
        Key revoked = db.tx(c -> {
            Key key = findKey(c, keyId).orElseThrow(() -> ApiError.notFound("no key " + keyId));
            if (key.revokedAt() != null) {
                return key;
            }
            try (PreparedStatement u = c.prepareStatement("UPDATE api_keys SET revoked_at = now() WHERE id = ? "
                    + "RETURNING " + KEY_COLUMNS)) {
                u.setLong(1, keyId);
                try (ResultSet rs = u.executeQuery()) {
                    rs.next();
                    events.append(c, List.of(NewEvent.of(new KeyRevoked(keyId, key.userId(), reason, actorUserId))));
                    return key(rs);
                }
            }
        });
        authenticator.invalidateKey(keyId);
        return revoked;
    }

    private Key insertKey(Connection c, Long actorUserId, long userId, KeySpec spec, String secret, Long parentKeyId)
            throws SQLException {
        Key key;
        KeyPolicy policy = spec.policy();
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO api_keys (user_id, name, prefix, key_hash, "
                + "scopes, environment, cost_centre, project, agent, expires_at, kind, monthly_budget_micros, "
                + "max_tokens_per_request, max_reasoning_tokens, ip_allowlist, allowed_domains, max_requests, "
                + "max_spend_micros, parent_key_id, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                + "?, ?, ?, ?) "
                + "RETURNING " + KEY_COLUMNS)) {
            Array scopes = c.createArrayOf("text", spec.scopes().toArray());
            insert.setLong(1, userId);
            insert.setString(2, spec.name());
            insert.setString(3, ApiKeys.prefixOf(secret));
            insert.setBytes(4, ApiKeys.hash(secret));
            insert.setArray(5, scopes);
            insert.setString(6, spec.environment());
            insert.setString(7, spec.costCentre());
            insert.setString(8, spec.project());
            insert.setString(9, spec.agent());
            insert.setTimestamp(10, spec.expiresAt() == null ? null : Timestamp.from(spec.expiresAt()));
            insert.setString(11, policy.kind());
            insert.setObject(12, policy.monthlyBudgetMicros());
            insert.setObject(13, policy.maxTokensPerRequest());
            insert.setObject(14, policy.maxReasoningTokens());
            insert.setArray(15, textArray(c, policy.ipAllowlist().stream().map(Cidr::text).toList()));
            insert.setArray(16, textArray(c, policy.allowedDomains()));
            insert.setObject(17, policy.maxRequests());
            insert.setObject(18, policy.maxSpendMicros());
            insert.setObject(19, parentKeyId);
            insert.setObject(20, actorUserId);
            try (ResultSet rs = insert.executeQuery()) {
                rs.next();
                key = key(rs);
            }
        }
        events.append(c, List.of(NewEvent.of(new ApiKeyCreated(key.id(), userId, key.name(), key.prefix(),
                key.scopes(), key.environment(), actorUserId, policy.kind(), policy.monthlyBudgetMicros(), parentKeyId))));
        return key;
    }

    private static Array textArray(Connection c, List<String> values) throws SQLException {
        return values.isEmpty() ? null : c.createArrayOf("text", values.toArray());
    }

    /**
     * Sets some of a key's {@link #UPDATABLE} settings (a null value clears one) and records
     * {@code KeyUpdated}; the key's cached form is dropped so the next request sees the change.
     */
    public Key updateKey(long actorUserId, long keyId, Map<String, Object> changes) {
        Key updated = db.tx(c -> {
            Key key = findKey(c, keyId).filter(k -> k.revokedAt() == null)
                    .orElseThrow(() -> ApiError.notFound("no active key " + keyId));
            if (changes.isEmpty()) {
                return key;
            }
            List<String> columns = new ArrayList<>(changes.keySet());
            if (!UPDATABLE.containsAll(columns)) {
                throw new IllegalArgumentException("not updatable: " + columns);
            }
            StringBuilder sql = new StringBuilder("UPDATE api_keys SET ");
            sql.append(String.join(", ", columns.stream().map(col -> col + " = ?").toList()));
            sql.append(" WHERE id = ? RETURNING ").append(KEY_COLUMNS);
            Map<String, String> recorded = new java.util.TreeMap<>();
            try (PreparedStatement u = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (String col : columns) {
                    Object v = changes.get(col);
                    if (v instanceof List<?> list) {
                        u.setArray(i++, textArray(c, list.stream().map(Object::toString).toList()));
                    } else if (v instanceof Instant t) {
                        u.setTimestamp(i++, Timestamp.from(t));
                    } else {
                        u.setObject(i++, v);
                    }
                    recorded.put(col, v == null ? "" : v.toString());
                }
                u.setLong(i, keyId);
                try (ResultSet rs = u.executeQuery()) {
                    rs.next();
                    events.append(c, List.of(NewEvent.of(new KeyUpdated(keyId, key.userId(), recorded, actorUserId))));
                    return key(rs);
                }
            }
        });
        authenticator.invalidateKey(keyId);
        return updated;
    }

    /** The key as it would be after {@code changes} (an {@link #updateKey} map), to check it before updating. */
    @SuppressWarnings("unchecked")
    public static KeySpec applied(Key key, Map<String, Object> changes) {
        KeyPolicy p = key.policy();
        java.util.function.BiFunction<String, Object, Object> v = (col, old) -> changes.containsKey(col) ? changes.get(col) : old;
        List<String> ips = (List<String>) v.apply("ip_allowlist", p.ipAllowlist().stream().map(Cidr::text).toList());
        List<String> domains = (List<String>) v.apply("allowed_domains", p.allowedDomains());
        KeyPolicy after = new KeyPolicy(p.kind(), (Long) v.apply("monthly_budget_micros", p.monthlyBudgetMicros()),
                (Long) v.apply("max_tokens_per_request", p.maxTokensPerRequest()),
                (Long) v.apply("max_reasoning_tokens", p.maxReasoningTokens()),
                ips == null ? List.of() : ips.stream().map(Cidr::parse).toList(), domains == null ? List.of() : domains,
                (Long) v.apply("max_requests", p.maxRequests()), (Long) v.apply("max_spend_micros", p.maxSpendMicros()));
        return new KeySpec((String) v.apply("name", key.name()), Set.copyOf(key.scopes()), key.environment(),
                (String) v.apply("cost_centre", key.costCentre()), (String) v.apply("project", key.project()),
                (String) v.apply("agent", key.agent()), (Instant) v.apply("expires_at", key.expiresAt()), after);
    }

    /**
     * Gives a key a new secret. The old secret keeps working for {@code graceSeconds} (0: stops at
     * once); the key keeps its id, so its budget, limits and history carry over.
     */
    public IssuedKey rotateKey(long actorUserId, long keyId, long graceSeconds) {
        IssuedKey issued = db.tx(c -> {
            Key key = findKey(c, keyId).filter(k -> k.revokedAt() == null)
                    .orElseThrow(() -> ApiError.notFound("no active key " + keyId));
            String secret = ApiKeys.generate("virtual".equals(key.policy().kind()) ? "vk" : "tg", key.environment());
            try (PreparedStatement u = c.prepareStatement("UPDATE api_keys SET previous_key_hash = key_hash, "
                    + "previous_valid_until = now() + make_interval(secs => ?), key_hash = ?, prefix = ?, "
                    + "rotated_at = now() WHERE id = ? RETURNING " + KEY_COLUMNS)) {
                u.setLong(1, graceSeconds);
                u.setBytes(2, ApiKeys.hash(secret));
                u.setString(3, ApiKeys.prefixOf(secret));
                u.setLong(4, keyId);
                try (ResultSet rs = u.executeQuery()) {
                    rs.next();
                    Key rotated = key(rs);
                    events.append(c, List.of(NewEvent.of(new KeyRotated(keyId, key.userId(), rotated.prefix(),
                            graceSeconds, actorUserId))));
                    return new IssuedKey(rotated, secret);
                }
            }
        });
        authenticator.invalidateKey(keyId);
        return issued;
    }

    /** Every key issued with {@code kind} (e.g. all virtual keys), newest first. */
    public List<Key> keysOfKind(String kind) {
        return keysWhere("kind = ? ORDER BY id DESC", kind);
    }

    private List<Key> keysWhere(String condition, Object parameter) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE " + condition)) {
                q.setObject(1, parameter);
                try (ResultSet rs = q.executeQuery()) {
                    List<Key> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(key(rs));
                    }
                    return out;
                }
            }
        });
    }

    public Optional<User> userByEmail(String email) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM users WHERE email = ?")) {
                q.setString(1, email);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(user(rs)) : Optional.<User>empty();
                }
            }
        });
    }

    /** Moves a user to a plan (or to none), recording {@code PlanAssigned}; its keys see the plan on the next request. */
    public User assignPlan(long actorUserId, long userId, String planId) {
        User updated = db.tx(c -> {
            User before;
            try (PreparedStatement q = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM users WHERE id = ? FOR UPDATE")) {
                q.setLong(1, userId);
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        throw ApiError.notFound("no user " + userId);
                    }
                    before = user(rs);
                }
            }
            try (PreparedStatement u = c.prepareStatement("UPDATE users SET plan_id = ? WHERE id = ? RETURNING "
                    + USER_COLUMNS)) {
                u.setString(1, planId);
                u.setLong(2, userId);
                try (ResultSet rs = u.executeQuery()) {
                    rs.next();
                    events.append(c, List.of(NewEvent.of(new PlanAssigned(userId, planId, before.planId(), actorUserId))));
                    return user(rs);
                }
            }
        });
        authenticator.invalidateUser(userId);
        return updated;
    }

    /**
     * Changes a user's name, role or disabled flag (null: unchanged), recording {@code UserUpdated}. A
     * disabled user's keys and sessions stop working at the next request; the last enabled administrator
     * cannot be disabled or demoted (409), so the gateway always has one.
     */
    public User updateUser(long actorUserId, long userId, String name, String role, Boolean disabled) {
        User updated = db.tx(c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(7012)")) {
                lock.execute();  // orders concurrent demotions, so two cannot each leave the other as the last admin
            }
            User before = user(c, userId).orElseThrow(() -> ApiError.notFound("no user " + userId));
            Map<String, String> changes = new java.util.TreeMap<>();
            if (name != null && !name.equals(before.name())) {
                changes.put("name", name);
            }
            if (role != null && !role.equals(before.role())) {
                changes.put("role", role);
            }
            if (disabled != null && disabled != before.disabled()) {
                changes.put("disabled", disabled.toString());
            }
            if (changes.isEmpty()) {
                return before;
            }
            boolean losesAdmin = Principal.ADMIN_ROLE.equals(before.role()) && !before.disabled()
                    && (role != null && !Principal.ADMIN_ROLE.equals(role) || Boolean.TRUE.equals(disabled));
            if (losesAdmin && enabledAdmins(c) <= 1) {
                throw ApiError.conflict("last_admin", "user " + userId + " is the last enabled administrator");
            }
            try (PreparedStatement u = c.prepareStatement("UPDATE users SET name = ?, role = ?, disabled = ? WHERE id = ?")) {
                u.setString(1, name == null ? before.name() : name);
                u.setString(2, role == null ? before.role() : role);
                u.setBoolean(3, disabled == null ? before.disabled() : disabled);
                u.setLong(4, userId);
                u.executeUpdate();
            }
            if (Boolean.TRUE.equals(disabled)) {
                io.tollgate.gateway.auth.Sessions.closeAll(c, userId, null);
            }
            events.append(c, List.of(NewEvent.of(new UserUpdated(userId, changes, actorUserId))));
            return user(c, userId).orElseThrow();
        });
        authenticator.invalidateUser(userId);
        return updated;
    }

    /**
     * A user closing their own account (seed 001): disabled like an administrator's DELETE, and what is
     * theirs alone outside the ledger goes (conversations, their own provider keys). Their usage stays
     * in the ledger, which never forgets.
     */
    public void closeAccount(long userId) {
        updateUser(userId, userId, null, null, true);
        db.tx(c -> {
            for (String sql : new String[] {"DELETE FROM conversations WHERE user_id = ?",
                    "DELETE FROM user_provider_keys WHERE user_id = ?"}) {
                try (PreparedStatement q = c.prepareStatement(sql)) {
                    q.setLong(1, userId);
                    q.executeUpdate();
                }
            }
            return null;
        });
    }

    private static long enabledAdmins(Connection c) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled");
             ResultSet rs = q.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Optional<User> user(Connection c, long id) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT " + USER_COLUMNS + " FROM users WHERE id = ?")) {
            q.setLong(1, id);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(user(rs)) : Optional.empty();
            }
        }
    }

    public Optional<User> firstAdmin() {
        return db.read(c -> {
            Optional<Long> id = firstAdmin(c);
            return id.isEmpty() ? Optional.<User>empty() : user(id.get());
        });
    }

    private static Optional<Long> firstAdmin(Connection c) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1");
             ResultSet rs = q.executeQuery()) {
            return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
        }
    }

    private static Optional<Key> findKey(Connection c, long keyId) throws SQLException {
        try (PreparedStatement q = c.prepareStatement("SELECT " + KEY_COLUMNS + " FROM api_keys WHERE id = ?")) {
            q.setLong(1, keyId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(key(rs)) : Optional.empty();
            }
        }
    }

    private static User user(ResultSet rs) throws SQLException {
        return new User(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5),
                rs.getTimestamp(6).toInstant(), rs.getString(7));
    }

    private static Key key(ResultSet rs) throws SQLException {
        KeyPolicy policy = new KeyPolicy(rs.getString(13), Db.nullableLong(rs, 14), Db.nullableLong(rs, 15),
                Db.nullableLong(rs, 16), Db.texts(rs.getArray(17)).stream().map(Cidr::parse).toList(), Db.texts(rs.getArray(18)),
                Db.nullableLong(rs, 19), Db.nullableLong(rs, 20));
        return new Key(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                Arrays.asList((String[]) rs.getArray(5).getArray()), rs.getString(6), rs.getString(7), rs.getString(8),
                rs.getString(9), instant(rs.getTimestamp(10)), instant(rs.getTimestamp(11)),
                rs.getTimestamp(12).toInstant(), policy, instant(rs.getTimestamp(21)), Db.nullableLong(rs, 22),
                Db.nullableLong(rs, 23));
    }



    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
