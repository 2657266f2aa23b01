package io.tollgate.gateway.auth;

import java.net.InetSocketAddress;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.tollgate.gateway.Db;

/**
 * Seed 000's bootstrap without a credential ({@code POST /admin/users}, {@code POST /admin/keys}), allowed
 * only where it is safe: from this machine (the socket's own peer, never a forwarded address), and only
 * on a fresh install (no key exists yet but the generated administrator's) or when local development
 * turns it on ({@code up --demo}: {@code tollgate.bootstrap.open}). Such a call acts as the first
 * administrator; everything else needs a credential as usual.
 */
public final class OpenBootstrap {
    /** Put in a request's context by the seed 000 routes when the bootstrap applies; {@link Guard} honours it. */
    record Grant(Principal administrator) {
    }

    private final Db db;
    private final boolean openForDevelopment;

    public OpenBootstrap(Db db, boolean openForDevelopment) {
        this.db = db;
        this.openForDevelopment = openForDevelopment;
    }

    /**
     * Seed 000's {@code POST /admin/users} and {@code POST /admin/keys}: {@code /api/users} and {@code /api/keys},
     * with the bootstrap applied first.
     */
    public HttpService seed000() {
        return rules -> rules.post("/admin/users", (req, res) -> {
            grantIfAllowed(req);
            res.reroute("/api/users", req.query());
        }).post("/admin/keys", (req, res) -> {
            grantIfAllowed(req);
            res.reroute("/api/keys", req.query());
        });
    }

    /** Lets this request act as the first administrator if it has no credential and the rule allows it. */
    public void grantIfAllowed(ServerRequest req) {
        boolean credential = Authenticator.presentedKey(req.headers()).isPresent()
                || Sessions.presented(req.headers()).isPresent();
        boolean local = req.remotePeer().address() instanceof InetSocketAddress a && a.getAddress() != null
                && a.getAddress().isLoopbackAddress();
        if (credential || !local) {
            return;
        }
        Long admin = db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT (SELECT id FROM users WHERE role = 'admin' "
                    + "AND NOT disabled ORDER BY id LIMIT 1), NOT EXISTS (SELECT 1 FROM api_keys k WHERE NOT EXISTS "
                    + "(SELECT 1 FROM bootstrap_keys b WHERE b.key_hash = k.key_hash))");
                 ResultSet rs = q.executeQuery()) {
                rs.next();
                long id = rs.getLong(1);
                return rs.wasNull() || !(openForDevelopment || rs.getBoolean(2)) ? null : id;
            }
        });
        if (admin != null) {
            req.context().register(new Grant(new Principal(0, admin, Principal.ADMIN_ROLE, Scopes.ALL, null, null, null,
                    null, null, KeyPolicy.NONE, null, Principal.Credential.SESSION, List.of(), false)));
        }
    }
}
