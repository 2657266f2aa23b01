package io.tollgate.devstack.drill;

import javax.sql.DataSource;

/**
 * How many ledger events the read models account for: every event but {@code UsageRecorded} makes
 * one audit row, and every {@code UsageRecorded} adds one request to its account's balance. Equal to
 * the ledger's count exactly when each event was applied once; above it, something counted twice.
 */
public final class Projected {
    private Projected() {
    }

    public static long applied(DataSource ds) {
        return DrillStack.count(ds, "SELECT (SELECT count(*) FROM rm_audit) + (SELECT coalesce(sum(requests), 0) "
                + "FROM rm_balance)");
    }

    public static long ledger(DataSource ds) {
        return DrillStack.count(ds, "SELECT count(*) FROM ledger_event");
    }

    /** Waits until every ledger event is applied; false on timeout or on a double count. */
    static boolean await(DataSource ds, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            long applied = applied(ds);
            long ledger = ledger(ds);
            if (applied > ledger) {
                return false;
            }
            if (applied == ledger) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
