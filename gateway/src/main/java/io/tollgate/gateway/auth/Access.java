package io.tollgate.gateway.auth;

import java.util.List;
import java.util.Set;

/**
 * Who may do what: every route asks {@link Guard#require} for one of these, the OpenAPI document names
 * it on each operation ({@code x-access}), docs/security.md's table is rendered from {@link CallerKind} and this,
 * and the authorization matrix test checks every operation against every kind of caller.
 *
 * <p>Power is the owner's role and the credential together: an administrator's key without the
 * {@code admin} scope is an ordinary key. Data-plane keys and virtual keys manage nothing.
 */
public enum Access {
    PUBLIC("anyone, without a credential"),
    OWN_READ("read one's own profile, balance, limits, usage and the model catalogue"),
    INVOKE("call models (a key with completion:invoke; never a session or a read-only token)"),
    INVOKE_OR_SESSION("call models on seed 004's /api/v1 and /api/chat: a key as for invoke, or a login session, "
            + "whose calls are billed to the user's console key"),
    OWN_MANAGE("manage one's own keys, tokens, profile, password, provider keys and statements (read-only tokens: read them)"),
    MODEL_WRITE("register priced models on existing providers and set defaults (model:write); free models and new endpoints also need the admin role"),
    FINANCE("read all spend, statements, exports, ledger and audit; manage credits and virtual keys"),
    ADMIN("manage users, providers, models, plans, limits and everyone's keys");

    private final String meaning;

    Access(String meaning) {
        this.meaning = meaning;
    }

    public String meaning() {
        return meaning;
    }

    /**
     * Whether {@code p} (null: no credential) may use an operation of this access level; {@code write}
     * is true for a method that changes something (read-only tokens never may).
     */
    public boolean allows(Principal p, boolean write) {
        if (this == PUBLIC) {
            return true;
        }
        if (p == null || write && p.readOnly()) {
            return false;
        }
        return switch (this) {
            case PUBLIC, OWN_READ -> true;
            case INVOKE -> !p.isSession() && p.hasScope(Scopes.INVOKE);
            case INVOKE_OR_SESSION -> p.isSession() || p.hasScope(Scopes.INVOKE);
            case OWN_MANAGE -> p.managesOwn() || p.readOnly();
            case MODEL_WRITE -> !p.isVirtualKey() && (p.hasScope(Scopes.MODEL_WRITE) || p.isAdmin());
            case FINANCE -> p.isFinance();
            case ADMIN -> p.isAdmin();
        };
    }

    /**
     * The kinds of caller docs/security.md's table and the authorization matrix are about, each with the scopes
     * it is shown with (keys of that kind may carry fewer).
     */
    public enum CallerKind {
        ANONYMOUS("anonymous", null, null, Set.of(), "api"),
        API_KEY("data-plane API key", Principal.USER_ROLE, Principal.Credential.KEY, Set.of(Scopes.INVOKE, Scopes.MODEL_ANY), "api"),
        VIRTUAL_KEY("virtual key", Principal.USER_ROLE, Principal.Credential.KEY, Set.of(Scopes.INVOKE, Scopes.MODEL_ANY), "virtual"),
        READ_TOKEN("seed 002 read token", Principal.USER_ROLE, Principal.Credential.KEY, Set.of(Scopes.READ), "api"),
        WRITE_TOKEN("seed 002 write token", Principal.USER_ROLE, Principal.Credential.KEY,
                Set.of(Scopes.READ, Scopes.WRITE, Scopes.INVOKE, Scopes.MODEL_ANY), "api"),
        USER_SESSION("user session", Principal.USER_ROLE, Principal.Credential.SESSION, Set.of(), "api"),
        USER_MANAGE_KEY("user key with manage", Principal.USER_ROLE, Principal.Credential.KEY,
                Set.of(Scopes.INVOKE, Scopes.MODEL_ANY, Scopes.MANAGE), "api"),
        MODEL_WRITER_KEY("user key with model:write", Principal.USER_ROLE, Principal.Credential.KEY,
                Set.of(Scopes.INVOKE, Scopes.MODEL_ANY, Scopes.MODEL_WRITE), "api"),
        FINANCE_SESSION("finance session", Principal.FINANCE_ROLE, Principal.Credential.SESSION, Set.of(), "api"),
        FINANCE_KEY("finance key", Principal.FINANCE_ROLE, Principal.Credential.KEY,
                Set.of(Scopes.FINANCE), "api"),
        ADMIN_SESSION("admin session", Principal.ADMIN_ROLE, Principal.Credential.SESSION, Set.of(), "api"),
        ADMIN_KEY("admin key", Principal.ADMIN_ROLE, Principal.Credential.KEY,
                Set.of(Scopes.ADMIN, Scopes.INVOKE, Scopes.MODEL_ANY, Scopes.MODEL_WRITE), "api"),
        ADMIN_PLAIN_KEY("administrator's key without admin", Principal.ADMIN_ROLE, Principal.Credential.KEY,
                Set.of(Scopes.INVOKE, Scopes.MODEL_ANY), "api");

        private final String label;
        private final String role;
        private final Principal.Credential credential;
        private final Set<String> scopes;
        private final String keyKind;

        CallerKind(String label, String role, Principal.Credential credential, Set<String> scopes, String keyKind) {
            this.label = label;
            this.role = role;
            this.credential = credential;
            this.scopes = scopes;
            this.keyKind = keyKind;
        }

        public String label() {
            return label;
        }

        /** The scopes a key of this kind is shown with (a session's are its role's: see {@link #principal}). */
        public Set<String> scopes() {
            return scopes;
        }

        /** A caller of this kind, as {@link Guard} would see it (null for anonymous). */
        public Principal principal() {
            if (credential == null) {
                return null;
            }
            Set<String> granted = credential == Principal.Credential.SESSION ? SessionScopes.of(role, SessionScopes.DEFAULT_USER)
                    : scopes;
            KeyPolicy policy = new KeyPolicy(keyKind, null, null, null, List.of(), List.of(), null, null);
            return new Principal(credential == Principal.Credential.KEY ? 1 : 0, 1, role, granted, "live", null, null,
                    null, null, policy, null, credential, List.of(), "virtual".equals(keyKind));
        }

        public boolean may(Access access, boolean write) {
            return access.allows(principal(), write);
        }
    }
}
