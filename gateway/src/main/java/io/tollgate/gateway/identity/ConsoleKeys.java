package io.tollgate.gateway.identity;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.LinkedHashSet;
import java.util.Set;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.auth.Authenticator;
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.auth.SessionScopes;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.http.ApiError;

/**
 * Seed 004's console calls models with its login session. Every proxied call must still be attributed to,
 * and limited by, a key in the ledger, so such a call runs as the user's {@value #NAME} key: created the
 * first time (its secret is never shown to anyone), listed with the user's keys, revocable like any.
 */
public final class ConsoleKeys {
    static final String NAME = "console";

    private final Db db;
    private final UserDirectory directory;
    private final Authenticator authenticator;
    private final Set<String> userScopes;

    public ConsoleKeys(Db db, UserDirectory directory, Authenticator authenticator, Set<String> userScopes) {
        this.db = db;
        this.directory = directory;
        this.authenticator = authenticator;
        this.userScopes = userScopes;
    }

    /** The caller a session's model call runs as: the user's console key. */
    public Principal forSession(Principal session) {
        long keyId = db.tx(c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(7013, ?::int)")) {
                lock.setLong(1, session.userId());
                lock.execute();  // one console key per user, however many first calls race
            }
            try (PreparedStatement q = c.prepareStatement("SELECT id FROM api_keys WHERE user_id = ? AND name = ? "
                    + "AND kind = 'api' AND revoked_at IS NULL ORDER BY id LIMIT 1")) {
                q.setLong(1, session.userId());
                q.setString(2, NAME);
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        return rs.getLong(1);
                    }
                }
            }
            Set<String> scopes = new LinkedHashSet<>();
            for (String s : SessionScopes.of(session.role(), userScopes)) {
                if (s.equals(Scopes.INVOKE) || s.startsWith("model:") && !s.equals(Scopes.MODEL_WRITE)) {
                    scopes.add(s);
                }
            }
            return directory.issueKey(c, session.userId(), session.userId(), new UserDirectory.KeySpec(NAME, scopes,
                    "live", null, null, null, null, KeyPolicy.NONE), null).key().id();
        });
        return authenticator.ofKey(keyId).orElseThrow(() -> ApiError.unauthorized("invalid_session",
                "this user's console key no longer works"));
    }
}
