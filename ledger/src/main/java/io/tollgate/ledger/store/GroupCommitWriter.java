package io.tollgate.ledger.store;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.tollgate.ledger.events.NewEvent;

/**
 * Group commit: concurrent callers hand in events and wait on a future; one writer thread drains
 * whatever has queued up and commits it in a single transaction. Under load many requests share one
 * fsync; alone, a request pays one round trip. A future completes only after its event's commit.
 *
 * <p>While idle it pings the database twice a second, so an outage is noticed (and {@link #healthy()}
 * turns false) before the next request calls an upstream it could not then record.
 *
 * <p>A failed batch is retried (same event ids, so a commit whose acknowledgement was lost is not
 * written twice) until {@code retryFor} has passed; then it is spilled to the {@link LedgerSpool}
 * (fsync'd) and its futures complete, since the events are durable. The spool is drained back into
 * Postgres as soon as the database answers again. Only if the spool cannot be written either do the
 * futures fail, and the callers answer 503.
 */
public final class GroupCommitWriter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GroupCommitWriter.class.getName());

    private record Pending(NewEvent event, CompletableFuture<Void> done) {
    }

    private final EventStore store;
    private final LedgerSpool spool;
    private final int maxBatch;
    private final Duration retryFor;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean running = true;
    private volatile boolean healthy = true;
    private long lastContactNanos = System.nanoTime();
    private static final long PING_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    public GroupCommitWriter(EventStore store, LedgerSpool spool, int maxBatch, Duration retryFor) {
        this.store = store;
        this.spool = spool;
        this.maxBatch = maxBatch;
        this.retryFor = retryFor;
        this.writer = Thread.ofPlatform().name("ledger-group-commit").daemon().start(this::run);
    }

    /** Queues an event; the future completes once it is committed (or fails if it cannot be). */
    public CompletableFuture<Void> append(NewEvent event) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("ledger writer is closed"));
            return done;
        }
        queue.add(new Pending(event, done));
        return done;
    }

    /** False while the last commit attempt failed: callers should refuse new upstream calls. */
    public boolean healthy() {
        return healthy;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    pingIfIdle();
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.done.completeExceptionally(new IllegalStateException("ledger writer stopped"));
        }
    }

    private void pingIfIdle() {
        if (System.nanoTime() - lastContactNanos < PING_EVERY_NANOS) {
            return;
        }
        try {
            store.ping();
            int drained = spool.drain(store);
            if (drained > 0) {
                LOG.info("moved " + drained + " spooled event(s) into the ledger");
            }
            healthy = true;
        } catch (SQLException | java.io.IOException | RuntimeException e) {
            healthy = false;
        }
        lastContactNanos = System.nanoTime();
    }

    private void commit(List<Pending> batch) throws InterruptedException {
        List<NewEvent> events = batch.stream().map(Pending::event).toList();
        long deadline = System.nanoTime() + retryFor.toNanos();
        long backoffMs = 20;
        while (true) {
            try {
                store.append(events);
                healthy = true;
                lastContactNanos = System.nanoTime();
                batch.forEach(p -> p.done.complete(null));
                return;
            } catch (SQLException | RuntimeException e) {
                healthy = false;
                if (System.nanoTime() > deadline || !running) {
                    spill(batch, events, e);
                    return;
                }
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 500);
            }
        }
    }

    private void spill(List<Pending> batch, List<NewEvent> events, Exception cause) {
        try {
            spool.spill(events);
            LOG.log(Level.WARNING, "ledger unavailable (" + cause.getMessage() + "); " + events.size()
                    + " event(s) spooled to disk until it returns");
            batch.forEach(p -> p.done.complete(null));
        } catch (java.io.IOException | RuntimeException e) {
            LOG.log(Level.SEVERE, "ledger and spool both failed; " + events.size() + " event(s) refused", e);
            batch.forEach(p -> p.done.completeExceptionally(e));
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(retryFor.toMillis() + 2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
