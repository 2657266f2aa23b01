package io.tollgate.ledger.money;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money is a {@code long} count of micro-units of the currency (1 USD = 1,000,000). This class is the
 * one place where decimals from the outside world become micro-units and back, and where rounding
 * rules live. Nothing in Tollgate does money arithmetic in floating point.
 */
public final class Micros {
    public static final long PER_UNIT = 1_000_000L;
    private static final BigDecimal PER_UNIT_DECIMAL = BigDecimal.valueOf(PER_UNIT);

    private Micros() {
    }

    /**
     * Parses a decimal amount of currency ("0.15", "12", 3.5) into micro-units exactly.
     *
     * @throws IllegalArgumentException if it has more than 6 decimals, is negative, or overflows
     */
    public static long fromDecimal(BigDecimal amount) {
        if (amount.signum() < 0) {
            throw new IllegalArgumentException("amount must not be negative");
        }
        BigDecimal micros = amount.multiply(PER_UNIT_DECIMAL);
        try {
            return micros.stripTrailingZeros().longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("amount must have at most 6 decimals and be below "
                    + Long.MAX_VALUE / PER_UNIT + ": " + amount.toPlainString());
        }
    }

    public static long fromDecimal(String amount) {
        try {
            return fromDecimal(new BigDecimal(amount.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a decimal amount: " + amount);
        }
    }

    /** Micro-units as an exact decimal of the currency with 6 decimals, e.g. 1500 → 0.001500. */
    public static BigDecimal toDecimal(long micros) {
        return BigDecimal.valueOf(micros).divide(PER_UNIT_DECIMAL, 6, RoundingMode.UNNECESSARY);
    }

    /**
     * Cost of a call: tokens priced per million, rounded up to a whole micro-unit so that a charge is
     * never understated (budgets reserve with the same rule, so a reservation always covers the charge).
     */
    public static long cost(long promptTokens, long completionTokens,
                            long inputMicrosPerMillion, long outputMicrosPerMillion) {
        long numerator = Math.addExact(Math.multiplyExact(promptTokens, inputMicrosPerMillion),
                Math.multiplyExact(completionTokens, outputMicrosPerMillion));
        return Math.ceilDiv(numerator, 1_000_000L);
    }
}
