package io.tollgate.gateway.auth;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What a password login may do, by role: its keys may be given at most these scopes. A user's session
 * has the configured user scopes ({@code tollgate.auth.user.scopes}) plus managing its own things; a
 * finance session adds {@code finance}; an administrator's session has every scope.
 */
public final class SessionScopes {
    static final Set<String> DEFAULT_USER = Set.of(Scopes.INVOKE, Scopes.MODEL_ANY);

    private SessionScopes() {
    }

    public static Set<String> of(String role, Set<String> userScopes) {
        if (Principal.ADMIN_ROLE.equals(role)) {
            return Scopes.ALL;
        }
        Set<String> out = new LinkedHashSet<>(userScopes);
        out.add(Scopes.MANAGE);
        out.add(Scopes.READ);
        out.add(Scopes.WRITE);
        if (Principal.FINANCE_ROLE.equals(role)) {
            out.add(Scopes.FINANCE);
        }
        return Set.copyOf(out);
    }
}
