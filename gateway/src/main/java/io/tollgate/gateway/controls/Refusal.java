package io.tollgate.gateway.controls;

import io.tollgate.ledger.account.Decision;

/**
 * Admission's "no" in flight: carries the kernel's {@link Decision.Refused} out of the admission path.
 * The data plane maps it to its HTTP status, error body and headers in one place ({@code proxy/Refusals}).
 */
public final class Refusal extends RuntimeException {
    private final Decision.Refused refused;

    public Refusal(Decision.Refused refused) {
        // Refusals are answers, not failures: no stack trace to fill on a busy path.
        super(refused.message(), null, false, false);
        this.refused = refused;
    }

    public Decision.Refused refused() {
        return refused;
    }
}
