package io.tollgate.gateway.auth;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;

import io.helidon.config.Config;

/**
 * Password login to the management plane ({@code tollgate.auth.*}).
 *
 * @param registration  who may create an account through {@code /api/auth/register}: {@code closed}
 *                      (only administrators create users), {@code invite} (with a token an administrator
 *                      issued) or {@code open} (anyone: a gateway in front of paid providers rarely wants this)
 * @param sessionTtl    how long a login lasts
 * @param userKeyScopes the scopes a non-admin user signed in with a password may give their own keys
 * @param secureCookie  mark the session cookie {@code Secure} (behind TLS, as in production)
 */
public record LoginSettings(String registration, Duration sessionTtl, Set<String> userKeyScopes, boolean secureCookie) {
    public static final Set<String> REGISTRATION_MODES = Set.of("closed", "invite", "open");

    public LoginSettings {
        if (!REGISTRATION_MODES.contains(registration)) {
            throw new IllegalArgumentException("tollgate.auth.registration must be closed, invite or open, not "
                    + registration);
        }
    }

    public static final LoginSettings DEFAULT = new LoginSettings("closed", Duration.ofHours(12),
            Set.of(Scopes.INVOKE, Scopes.MODEL_ANY), false);

    public static LoginSettings from(Config c) {
        return new LoginSettings(
                c.get("tollgate.auth.registration").asString().orElse(DEFAULT.registration()).toLowerCase(Locale.ROOT),
                Duration.ofMinutes(c.get("tollgate.auth.session.minutes").asLong().orElse(DEFAULT.sessionTtl().toMinutes())),
                c.get("tollgate.auth.user.scopes").asString().map(LoginSettings::scopes).orElse(DEFAULT.userKeyScopes()),
                c.get("tollgate.auth.cookie.secure").asBoolean().orElse(false));
    }

    public LoginSettings withRegistration(String mode) {
        return new LoginSettings(mode, sessionTtl, userKeyScopes, secureCookie);
    }

    private static Set<String> scopes(String commaSeparated) {
        return Scopes.parse(com.fasterxml.jackson.databind.node.TextNode.valueOf(commaSeparated));
    }
}
