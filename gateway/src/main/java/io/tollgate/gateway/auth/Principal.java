package io.tollgate.gateway.auth;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Who is calling: the credential (a key, or a login session), its owner and the owner's role, what the
 * credential may do, its cost attribution, its limits, its ancestors' limits (a key created by a key
 * stays inside its parent's) and the owner's plan (null: none). The power a call has is the role and
 * the credential together: {@link Access} decides from both.
 *
 * @param keyId              the key's id; 0 for a session
 * @param lineage            the keys this one was created from, nearest first (empty for keys issued otherwise)
 * @param attributionFixed   whether someone other than the owner (an administrator, finance) set this key's
 *                           cost attribution: keys made from it must keep it
 */
public record Principal(long keyId, long userId, String role, Set<String> scopes, String environment,
                        String costCentre, String project, String agent, Instant expiresAt, KeyPolicy policy,
                        String planId, Credential credential, List<Ancestor> lineage, boolean attributionFixed) {

    /** How the caller proved who it is. */
    public enum Credential { KEY, SESSION }

    /** A key up the chain this key was created from: its limits bound this one's family. */
    public record Ancestor(long keyId, KeyPolicy policy) {
    }

    public static final String ADMIN_ROLE = "admin";
    private static final String MODEL_SCOPE = "model:";
    public static final String FINANCE_ROLE = "finance";
    public static final String USER_ROLE = "user";
    public static final Set<String> ROLES = Set.of(ADMIN_ROLE, FINANCE_ROLE, USER_ROLE);

    public boolean isSession() {
        return credential == Credential.SESSION;
    }

    public boolean isVirtualKey() {
        return !isSession() && "virtual".equals(policy.kind());
    }

    /** Administrator power: the admin role, with a login session or a key carrying the {@code admin} scope. */
    public boolean isAdmin() {
        return ADMIN_ROLE.equals(role) && (isSession() || scopes.contains(Scopes.ADMIN));
    }

    /** Finance power (reads all spend, manages credits and virtual keys): finance or admin role with a credential that carries it. */
    public boolean isFinance() {
        return isAdmin() || FINANCE_ROLE.equals(role) && (isSession() || scopes.contains(Scopes.FINANCE));
    }

    /**
     * Manages the owner's own keys, profile and provider keys: a session, a credential with finance or
     * admin power, or a non-virtual key with manage (seed 002: write).
     */
    public boolean managesOwn() {
        return isSession() || isFinance() || !isVirtualKey() && !readOnly()
                && (scopes.contains(Scopes.MANAGE) || scopes.contains(Scopes.WRITE));
    }

    /**
     * A credential that may only call models and read its own numbers: reports show it the usage of this
     * key alone, not its owner's other keys.
     */
    public boolean seesOnlyItsKey() {
        return !isSession() && !managesOwn() && !isFinance() && !readOnly();
    }

    /**
     * The scopes this caller may give a key: an administrator's any; otherwise its own (a session's are
     * its role's), and the management scopes when it manages its own things, which they only name.
     */
    public boolean mayGrant(String scope) {
        if (isAdmin() || Scopes.covers(scopes, scope)) {
            return true;
        }
        return managesOwn() && (scope.equals(Scopes.MANAGE) || scope.equals(Scopes.READ) || scope.equals(Scopes.WRITE));
    }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    /** Seed 002's read-only token: {@code read} without {@code write}. */
    public boolean readOnly() {
        return scopes.contains(Scopes.READ) && !scopes.contains(Scopes.WRITE);
    }

    /** Seed 000: the models this key may use, from its {@code model:<name>} scopes; null with {@code model:any}: every model. */
    public Set<String> models() {
        if (scopes.contains(Scopes.MODEL_ANY)) {
            return null;
        }
        return scopes.stream().filter(s -> s.startsWith(MODEL_SCOPE)).map(s -> s.substring(MODEL_SCOPE.length()))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    public boolean mayUseModel(String model) {
        Set<String> models = models();
        return models == null || models.contains(model);
    }

    /** This key and its ancestors, nearest first: every one whose limits a call of this key counts against. */
    public List<Ancestor> family() {
        if (lineage.isEmpty()) {
            return List.of(new Ancestor(keyId, policy));
        }
        java.util.ArrayList<Ancestor> out = new java.util.ArrayList<>(lineage.size() + 1);
        out.add(new Ancestor(keyId, policy));
        out.addAll(lineage);
        return out;
    }
}
