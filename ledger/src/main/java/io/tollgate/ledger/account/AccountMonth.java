package io.tollgate.ledger.account;

/**
 * Credits and spend of an account in one UTC month (by event time), and the ledger seqs of its first
 * and last event in it: the rm_account_month row a statement is made of.
 */
public record AccountMonth(long creditsMicros, long spentMicros, long requests, long firstSeq, long lastSeq) {
    public AccountMonth plus(AccountMonth o) {
        return new AccountMonth(Math.addExact(creditsMicros, o.creditsMicros), Math.addExact(spentMicros, o.spentMicros),
                Math.addExact(requests, o.requests), Math.min(firstSeq, o.firstSeq), Math.max(lastSeq, o.lastSeq));
    }
}
