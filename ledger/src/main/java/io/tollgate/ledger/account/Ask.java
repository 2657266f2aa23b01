package io.tollgate.ledger.account;

/**
 * A call asking to start: the tokens of its prompt (counted against token windows now), and the most
 * tokens and money it can use once its output is capped (held back until it settles).
 */
public record Ask(long promptTokens, long worstTokens, long worstCostMicros) {
    public Ask {
        if (promptTokens < 0 || worstTokens < promptTokens || worstCostMicros < 0) {
            throw new IllegalArgumentException("an ask needs 0 <= prompt tokens <= worst tokens and a non-negative cost");
        }
    }
}
