package io.tollgate.ledger.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.DateTimeException;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class InstantsTest {
    @Test
    void readsEveryInstantTheLedgerWritesExactlyAsInstantParseDoes() {
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(-62_135_596_800L, 253_402_300_799L);  // years 1 to 9999
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            String text = Instant.ofEpochSecond(seconds, nanos).toString();
            assertEquals(Instant.parse(text), Instants.parse(text), text);
        }
    }

    @Test
    void unusualOrBrokenTextHasTheSameOutcomeAsWithInstantParse() {
        for (String text : List.of("2026-10-01T00:00:00.1Z", "2026-10-01T23:59:60Z", "+12026-10-01T00:00:00Z",
                "2026-10-01T01:00:00+01:00", "2024-02-29T12:00:00Z", "2026-10-01T24:00:00Z", "2026-10-01T00:00:00.Z",
                "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-1O-01T00:00:00Z", "2026-10-01T00:00:00.1234567890Z",
                "2026-10-01T00:60:00Z", "garbage", "")) {
            Instant expected;
            try {
                expected = Instant.parse(text);
            } catch (DateTimeException e) {
                assertThrows(DateTimeException.class, () -> Instants.parse(text), text);
                continue;
            }
            assertEquals(expected, Instants.parse(text), text);
        }
    }
}
