package io.tollgate.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.tollgate.gateway.http.ApiError;

/**
 * Login passwords, stored as bcrypt hashes. bcrypt is slow on purpose (~0.1–0.3 s of CPU per check at
 * cost 12), so checks run a few at a time: a flood of login attempts then waits here or gets 503
 * instead of taking every core from the proxy.
 */
public final class Passwords {
    public static final int MIN_LENGTH = 8;
    /** bcrypt reads at most 72 bytes; a longer password would be silently truncated, so it is refused. */
    public static final int MAX_BYTES = 72;
    private static final int COST = 12;

    private final Semaphore checks = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    /**
     * Compared against when the user does not exist, so a wrong email takes as long as a wrong password:
     * the cost-12 hash of 32 random bytes nobody kept.
     */
    private static final String DECOY = "$2a$12$Nw7Kc62aN0f30hD7/KLdperumCGjSq4/3tr0fbRx6Rj57X0UtLLL.";

    /** The reason {@code password} is not acceptable as a new password, or null. */
    public static String problem(String password) {
        if (password == null || password.length() < MIN_LENGTH) {
            return "a password needs at least " + MIN_LENGTH + " characters";
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return "a password may have at most " + MAX_BYTES + " bytes";
        }
        return null;
    }

    public String hash(String password) {
        return guarded(() -> BCrypt.withDefaults().hashToString(COST, password.toCharArray()));
    }

    /** True when {@code password} matches {@code storedHash}; a null hash (no password set) never matches. */
    public boolean matches(String password, String storedHash) {
        boolean known = storedHash != null;
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        if (pw.length > MAX_BYTES) {
            return false;
        }
        boolean ok = guarded(() -> BCrypt.verifyer().verify(pw, (known ? storedHash : DECOY)
                .getBytes(StandardCharsets.UTF_8)).verified);
        return known && ok;
    }

    private interface Work<T> {
        T run();
    }

    private <T> T guarded(Work<T> work) {
        try {
            if (!checks.tryAcquire(5, TimeUnit.SECONDS)) {
                throw ApiError.unavailable("overloaded", "too many password checks at once; retry shortly");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.unavailable("overloaded", "interrupted");
        }
        try {
            return work.run();
        } finally {
            checks.release();
        }
    }
}
