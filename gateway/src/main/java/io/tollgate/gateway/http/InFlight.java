package io.tollgate.gateway.http;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;


/**
 * Bounds the proxied calls in flight and the bytes of request and reply bodies they hold in memory.
 * Past either bound a call is refused at once with 503 and Retry-After: under overload the gateway
 * keeps serving the calls it took instead of queueing every caller until their clients time out, or
 * running out of heap (a reply is held whole to meter it, so a few large ones at once would do that).
 * The call bound counts calls waiting on slow upstreams too, so it is set generously.
 */
public final class InFlight {
    /** One admitted call; closing it frees its place and every byte it held. */
    public interface Place extends AutoCloseable {
        /** Counts {@code bytes} more against the memory budget for this call; 503 if they do not fit. */
        void hold(long bytes);

        @Override
        void close();
    }

    private final Semaphore places;
    private final int limit;
    private final long budgetBytes;
    private final AtomicLong heldBytes = new AtomicLong();
    private volatile boolean draining;

    public InFlight(int limit, long budgetBytes) {
        if (limit < 1) {
            throw new IllegalArgumentException("the in-flight bound must be at least 1, not " + limit);
        }
        if (budgetBytes < 1) {
            throw new IllegalArgumentException("the memory budget must be at least 1 byte, not " + budgetBytes);
        }
        this.places = new Semaphore(limit);
        this.limit = limit;
        this.budgetBytes = budgetBytes;
    }

    public Place enter() {
        if (draining) {
            throw ApiError.unavailable("draining", "this Tollgate instance is shutting down; retry (another instance "
                    + "will take the call)");
        }
        if (!places.tryAcquire()) {
            throw ApiError.overloaded("Tollgate is serving its limit of " + limit + " concurrent calls; retry shortly");
        }
        return new Held();
    }

    /** From now on every new call is refused with 503 {@code draining}; those in flight go on. */
    public void drain() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    /** Calls in flight now. */
    public int calls() {
        return limit - places.availablePermits();
    }

    /** Bytes the calls in flight hold now. */
    public long heldBytes() {
        return heldBytes.get();
    }

    private final class Held implements Place {
        private long mine;
        private boolean closed;

        @Override
        public void hold(long bytes) {
            long now;
            do {
                now = heldBytes.get();
                if (now + bytes > budgetBytes) {
                    throw ApiError.overloaded("Tollgate's calls in flight hold its memory budget of " + (budgetBytes >> 20)
                            + " MB in request and reply bodies; retry shortly");
                }
            } while (!heldBytes.compareAndSet(now, now + bytes));
            mine += bytes;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                heldBytes.addAndGet(-mine);
                places.release();
            }
        }
    }
}
