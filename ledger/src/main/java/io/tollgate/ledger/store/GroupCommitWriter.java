package io.tollgate.ledger.store;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    private record Pending(NewEvent event, CompletableFuture<Void> done, long deadline) {
    }

    private final EventStore store;
    private final LedgerSpool spool;
    private final int maxBatch;
    private final Duration retryFor;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Every future not yet known to be done, in arrival order: with one time limit for all, deadline order too. */
    private final Queue<Pending> awaited = new ConcurrentLinkedQueue<>();
    private final long answerWithinNanos;
    private final Thread writer;
    private final Thread deadlines;
    private volatile boolean running = true;
    private volatile boolean healthy = true;
    /** The oldest event still waiting at the deadline thread's last tick (null: none). */
    private volatile Pending oldestWaiting;
    private long lastContactNanos = System.nanoTime();
    private static final long PING_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long DEADLINE_TICK_MS = 50;

    /**
     * @param answerWithin how long a caller waits at most: its future fails with a {@link TimeoutException}
     *     then, even if the writer is stuck in a database call (the event may still be committed later)
     */
    public GroupCommitWriter(EventStore store, LedgerSpool spool, int maxBatch, Duration retryFor, Duration answerWithin) {
        this.store = store;
        this.spool = spool;
        this.maxBatch = maxBatch;
        this.retryFor = retryFor;
        this.answerWithinNanos = answerWithin.toNanos();
        this.writer = Thread.ofPlatform().name("ledger-group-commit").daemon().start(this::run);
        this.deadlines = Thread.ofPlatform().name("ledger-deadlines").daemon().start(this::expireOverdue);
    }

    /**
     * Queues an event; the future completes once it is committed, or fails if it cannot be or not in time.
     * Wait on it without a timeout: the time limit is kept here by one thread for all, because on a
     * virtual thread a timed wait (or {@code orTimeout}) schedules, cancels and wakes the JDK's timer
     * thread each time, which cost the gateway ~10 % of its CPU per call.
     */
    public CompletableFuture<Void> append(NewEvent event) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("ledger writer is closed"));
            return done;
        }
        Pending p = new Pending(event, done, System.nanoTime() + answerWithinNanos);
        awaited.add(p);
        queue.add(p);
        return done;
    }

    private void expireOverdue() {
        while (running || !awaited.isEmpty()) {
            try {
                Thread.sleep(DEADLINE_TICK_MS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Pending p; (p = awaited.peek()) != null; awaited.poll()) {
                if (!p.done.isDone()) {
                    if (now - p.deadline < 0) {
                        break;
                    }
                    p.done.completeExceptionally(new TimeoutException("not committed within "
                            + TimeUnit.NANOSECONDS.toMillis(answerWithinNanos) + " ms"));
                }
            }
            // What is left at the head is the oldest event still waiting.
            oldestWaiting = awaited.peek();
        }
    }

    /**
     * How long the oldest event not yet committed has waited (zero when none waits): the writer's backlog,
     * read on every proxied call. The deadline thread names that event each tick instead of every call
     * walking the queue; once it is committed the backlog reads zero until the next tick.
     */
    public Duration backlog() {
        Pending oldest = oldestWaiting;
        return oldest == null || oldest.done.isDone() ? Duration.ZERO
                : Duration.ofNanos(Math.max(0, System.nanoTime() - (oldest.deadline - answerWithinNanos)));
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
            deadlines.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
