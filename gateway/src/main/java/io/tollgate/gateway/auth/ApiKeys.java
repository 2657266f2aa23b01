package io.tollgate.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Set;

/**
 * Key format and hashing. A key is {@code tg_<environment>_<32 base62 chars>} ({@code vk_} for virtual
 * keys), about 190 bits of entropy.
 */
public final class ApiKeys {
    /** live, test, staging, dev; and as seeds 001 and 003 name them: prod, production, development. */
    public static final Set<String> ENVIRONMENTS = Set.of("live", "test", "staging", "dev", "prod", "production",
            "development");
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    public static String generate(String environment) {
        return generate("tg", environment);
    }

    /** {@code kind} is {@code tg} for users' keys and {@code vk} for virtual keys (seed 003). */
    public static String generate(String kind, String environment) {
        return token(kind + "_" + environment + "_");
    }

    /** {@code prefix} then 32 random base62 characters (~190 bits): keys and invite tokens. */
    public static String token(String prefix) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 32; i++) {
            sb.append(BASE62[RANDOM.nextInt(BASE62.length)]);
        }
        return sb.toString();
    }

    /** A preset secret shorter than this is refused: a generated key has 32 random characters after its prefix. */
    static final int MIN_PRESET_LENGTH = 32;

    /**
     * Why a secret chosen by an operator (the bootstrap admin key) is too weak to guard administrator
     * power, or null: too short, or too few distinct characters to be random (a word, a repeated pattern).
     */
    public static String weakness(String secret) {
        if (secret.length() < MIN_PRESET_LENGTH) {
            return "it has " + secret.length() + " characters; at least " + MIN_PRESET_LENGTH + " are needed";
        }
        long distinct = secret.chars().distinct().count();
        if (distinct < 16) {
            return "it has only " + distinct + " distinct characters; a random key has many more";
        }
        return null;
    }

    /** What is stored and shown in listings: enough to recognise a key, far too little to use it. */
    public static String prefixOf(String key) {
        int cut = key.lastIndexOf('_') + 7;
        return key.substring(0, Math.min(key.length(), Math.max(cut, 10)));
    }

    /**
     * SHA-256 of the key. Unlike passwords, keys are long random strings, so a slow hash adds nothing
     * against guessing and would cost every request a few milliseconds.
     */
    public static byte[] hash(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
