package io.tollgate.ledger.projection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.tollgate.ledger.account.Granularity;
import io.tollgate.ledger.projection.Rows.WindowCounts;
import io.tollgate.ledger.projection.Rows.WindowKey;

class RateWindowsTest {
    /** The rule {@link RateWindows#dropExpired} must follow, written plainly over a hash map. */
    private static void dropExpired(Map<WindowKey, WindowCounts> m) {
        m.keySet().stream().filter(k -> k.granularity() == Granularity.MINUTE).map(WindowKey::start)
                .max(Instant::compareTo).ifPresent(newest -> m.keySet().removeIf(k ->
                        k.granularity().retentionSeconds() != Long.MAX_VALUE
                                && k.start().isBefore(newest.minusSeconds(k.granularity().retentionSeconds()))));
    }

    @Test
    void behavesAsAHashMapOfWindowsUnderAnyMixOfAddsPutsOutOfOrderEventsAndExpiry() {
        Random random = new Random(3);
        RateWindows windows = new RateWindows();
        Map<WindowKey, WindowCounts> reference = new HashMap<>();
        long clock = 1_790_000_000L;
        for (int i = 0; i < 200_000; i++) {
            // Mostly forward in time, sometimes back (a late event), now and then a leap of days.
            clock += random.nextInt(100) < 95 ? random.nextInt(20) : random.nextInt(100) < 50 ? -random.nextInt(4000)
                    : random.nextInt(5 * 86_400);
            String subject = random.nextBoolean() ? "key" : "user";
            long id = random.nextInt(50);
            Granularity g = Granularity.values()[random.nextInt(3)];
            long start = g.windowStart(clock);
            WindowKey key = new WindowKey(subject, id, g, Instant.ofEpochSecond(start));
            long tokens = random.nextInt(1000);
            if (random.nextInt(100) == 0) {
                windows.addToAll(subject, id, clock, 1, tokens);
                for (Granularity each : Granularity.values()) {
                    reference.merge(new WindowKey(subject, id, each, Instant.ofEpochSecond(each.windowStart(clock))),
                            new WindowCounts(1, tokens), WindowCounts::plus);
                }
            } else if (random.nextInt(50) == 0) {
                WindowCounts v = new WindowCounts(random.nextInt(9), tokens);
                assertEquals(reference.put(key, v), windows.put(key, v));
            } else {
                windows.add(subject, id, g, start, 1, tokens);
                reference.merge(key, new WindowCounts(1, tokens), WindowCounts::plus);
            }
            if (i % 20_000 == 0) {
                windows.dropExpired();
                dropExpired(reference);
            }
            assertEquals(reference.get(key), windows.get(key));
        }
        assertEquals(reference.size(), windows.size());
        assertEquals(reference, new HashMap<>(windows), "iteration yields exactly the windows");
        assertEquals(reference, windows);
        assertNull(windows.get(new WindowKey("key", 999, Granularity.DAY, Instant.EPOCH)));
        assertNull(windows.get("not a key"));
    }

    @Test
    void shardsAddUpWindowByWindow() {
        RateWindows a = new RateWindows();
        RateWindows b = new RateWindows();
        a.add("key", 1, Granularity.MINUTE, 60, 1, 10);
        b.add("key", 1, Granularity.MINUTE, 60, 2, 5);
        b.add("user", 1, Granularity.DAY, 0, 1, 1);
        a.addAll(b);
        assertEquals(new WindowCounts(3, 15), a.get(new WindowKey("key", 1, Granularity.MINUTE, Instant.ofEpochSecond(60))));
        assertEquals(new WindowCounts(1, 1), a.get(new WindowKey("user", 1, Granularity.DAY, Instant.EPOCH)));
        assertEquals(2, a.size());
    }
}
