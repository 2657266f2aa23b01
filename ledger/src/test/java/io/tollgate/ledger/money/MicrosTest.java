package io.tollgate.ledger.money;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;

import org.junit.jupiter.api.Test;

class MicrosTest {
    @Test
    void decimalAmountsBecomeExactMicroUnits() {
        assertEquals(150_000, Micros.fromDecimal("0.15"));
        assertEquals(12_000_000, Micros.fromDecimal("12"));
        assertEquals(1, Micros.fromDecimal("0.000001"));
        assertEquals(3_500_000, Micros.fromDecimal(new BigDecimal("3.50")));
    }

    @Test
    void moreThanSixDecimalsIsRefusedRatherThanRounded() {
        assertThrows(IllegalArgumentException.class, () -> Micros.fromDecimal("0.0000001"));
    }

    @Test
    void negativeAndNonNumericAmountsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Micros.fromDecimal("-1"));
        assertThrows(IllegalArgumentException.class, () -> Micros.fromDecimal("ten"));
        assertThrows(IllegalArgumentException.class, () -> Micros.fromDecimal("1e30"));
    }

    @Test
    void microUnitsRenderAsSixDecimalCurrency() {
        assertEquals(new BigDecimal("0.001500"), Micros.toDecimal(1500));
        assertEquals(new BigDecimal("12.000000"), Micros.toDecimal(12_000_000));
    }

    @Test
    void costRoundsUpToAWholeMicroUnitSoChargesAreNeverUnderstated() {
        // 10 prompt tokens at $0.15/M = 1.5 micros -> 2; 0 tokens cost 0.
        assertEquals(2, Micros.cost(10, 0, 150_000, 600_000));
        assertEquals(0, Micros.cost(0, 0, 150_000, 600_000));
        // 1M prompt + 1M completion at $0.50/M and $1.50/M = $2 exactly.
        assertEquals(2_000_000, Micros.cost(1_000_000, 1_000_000, 500_000, 1_500_000));
    }

    @Test
    void costOverflowFailsLoudly() {
        assertThrows(ArithmeticException.class, () -> Micros.cost(Long.MAX_VALUE / 2, 0, 1_000_000, 0));
    }
}
