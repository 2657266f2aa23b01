package io.tollgate.gateway.controls;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.tollgate.ledger.events.RecordedEvent;
import io.tollgate.ledger.store.EventStore;

/**
 * Reads the ledger as it grows (every 100 ms, and on demand) and hands each new event, in seq order,
 * to its listeners. This is how one gateway instance learns what the others did: their spend, their
 * credits, their key and plan changes. Because seq order is commit order, reading {@code seq > position}
 * never skips an event that commits later.
 */
public final class LedgerFollower implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LedgerFollower.class.getName());
    private static final int BATCH = 2000;

    private final EventStore store;
    private final List<Consumer<RecordedEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("ledger-follower").factory());
    private final Object lock = new Object();
    private long position;

    /** Starts at {@code position}: the caller has read everything up to it by other means. */
    public LedgerFollower(EventStore store, long position) {
        this.store = store;
        this.position = position;
    }

    public void listen(Consumer<RecordedEvent> listener) {
        listeners.add(listener);
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::tick, 100, 100, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            catchUp();
        } catch (SQLException | RuntimeException e) {
            LOG.log(Level.FINE, "ledger follower: cannot read the ledger now", e);
        }
    }

    /** Applies every event committed so far; returns when caught up. */
    public void catchUp() throws SQLException {
        synchronized (lock) {
            List<RecordedEvent> batch;
            do {
                batch = store.readAfter(position, BATCH);
                for (RecordedEvent e : batch) {
                    for (Consumer<RecordedEvent> l : listeners) {
                        try {
                            l.accept(e);
                        } catch (RuntimeException x) {
                            LOG.log(Level.WARNING, "ledger follower: listener failed on seq " + e.seq(), x);
                        }
                    }
                    position = e.seq();
                }
            } while (batch.size() == BATCH);
        }
    }

    /** Runs {@code work} with the position fixed: no event is applied meanwhile. */
    public <T> T atPosition(LongFunction<T> work) {
        synchronized (lock) {
            return work.apply(position);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
