package io.tollgate.gateway.proxy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.webclient.api.ClientConnection;

/**
 * The upstream time limit, kept by one thread for all calls instead of a socket timeout on every
 * read: on a virtual thread each timed read schedules and cancels a timer task, and each cancel
 * wakes the JDK's timer thread, ~10 % of the gateway's CPU per call. Every tick, a call that has
 * made no progress for the timeout gets its connection closed, which ends its blocked read.
 */
final class UpstreamDeadlines implements AutoCloseable {
    /** One call's connection and when it last made progress. */
    static final class Watch {
        private final ClientConnection connection;
        private volatile long lastProgress = System.nanoTime();
        private volatile boolean fired;
        private volatile boolean cancelled;

        private Watch(ClientConnection connection) {
            this.connection = connection;
        }

        /** The upstream sent more (a stream event): its time starts again. */
        void progressed() {
            lastProgress = System.nanoTime();
        }

        /** Whether the call was cut off for taking too long. */
        boolean fired() {
            return fired;
        }

        /** Ends the call now, as if the upstream had broken off (a client's cancel). */
        void cancel() {
            cancelled = true;
            connection.closeResource();
        }

        boolean cancelled() {
            return cancelled;
        }
    }

    private final Set<Watch> watched = ConcurrentHashMap.newKeySet();
    private final long timeoutNanos;
    private final Thread ticker;
    private volatile boolean running = true;

    /** @param everyTick also run on each tick (the connection pool's eviction of idle connections) */
    UpstreamDeadlines(Duration timeout, Runnable everyTick) {
        this.timeoutNanos = timeout.toNanos();
        long tickMillis = Math.clamp(timeout.toMillis() / 10, 10, 250);
        this.ticker = Thread.ofPlatform().daemon().name("upstream-deadlines").start(() -> {
            while (running) {
                try {
                    Thread.sleep(tickMillis);
                } catch (InterruptedException e) {
                    return;
                }
                expire();
                everyTick.run();
            }
        });
    }

    Watch watch(ClientConnection connection) {
        Watch w = new Watch(connection);
        watched.add(w);
        return w;
    }

    void forget(Watch w) {
        watched.remove(w);
    }

    private void expire() {
        long now = System.nanoTime();
        for (Watch w : watched) {
            if (now - w.lastProgress > timeoutNanos && watched.remove(w)) {
                w.fired = true;
                w.connection.closeResource();
            }
        }
    }

    @Override
    public void close() {
        running = false;
        ticker.interrupt();
    }
}
