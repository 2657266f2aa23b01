package io.tollgate.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;


class InFlightTest {
    @Test
    void bytesBeyondTheBudgetAreRefusedWith503AndTheRefusedHoldCountsNothing() {
        InFlight inFlight = new InFlight(10, 1000);
        try (InFlight.Place a = inFlight.enter(); InFlight.Place b = inFlight.enter()) {
            a.hold(600);
            ApiError refused = assertThrows(ApiError.class, () -> b.hold(401));
            assertEquals(503, refused.status());
            assertEquals(600, inFlight.heldBytes());
            b.hold(400);
            assertEquals(1000, inFlight.heldBytes());
        }
        assertEquals(0, inFlight.heldBytes(), "closing a place gives back all it held");
    }

    @Test
    void aPlaceClosedTwiceFreesItsPlaceAndBytesOnce() {
        InFlight inFlight = new InFlight(1, 1000);
        InFlight.Place only = inFlight.enter();
        only.hold(500);
        assertThrows(ApiError.class, inFlight::enter, "the one place is taken");
        only.close();
        only.close();
        assertEquals(0, inFlight.heldBytes());
        try (InFlight.Place again = inFlight.enter()) {
            again.hold(1000);
        }
        assertEquals(0, inFlight.heldBytes());
    }

    @Test
    void concurrentHoldsNeverExceedTheBudget() throws Exception {
        InFlight inFlight = new InFlight(100, 10_000);
        Thread[] threads = new Thread[8];
        long[] worst = new long[1];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 20_000; i++) {
                    try (InFlight.Place p = inFlight.enter()) {
                        p.hold(3_000);
                        p.hold(500);
                        synchronized (worst) {
                            worst[0] = Math.max(worst[0], inFlight.heldBytes());
                        }
                    } catch (ApiError refused) {
                        // over budget: the expected outcome for some
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, inFlight.heldBytes());
        assertTrue(worst[0] <= 10_000, "held at most the budget, saw " + worst[0]);
    }
}
