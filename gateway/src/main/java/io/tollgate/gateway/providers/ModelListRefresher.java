package io.tollgate.gateway.providers;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Reads every enabled provider's model list again every {@code period} (seed 001's five-minute model
 * cache), so models a provider adds become callable, and those it drops stop being offered, without
 * anyone asking. A list that did not change writes nothing; one provider failing leaves the others and
 * its last list as they are.
 */
public final class ModelListRefresher implements AutoCloseable {
    /** The actor recorded for lists the gateway read by itself. */
    public static final long GATEWAY_ACTOR = 0;
    private static final Logger LOG = Logger.getLogger(ModelListRefresher.class.getName());

    private final ProviderRegistry registry;
    private final Function<Provider, List<String>> lister;
    private final ScheduledExecutorService timer;

    /** @param lister what a provider lists ({@code GET /models}); throws when it cannot say */
    public ModelListRefresher(ProviderRegistry registry, Function<Provider, List<String>> lister, Duration period) {
        this.registry = registry;
        this.lister = lister;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("model-list-refresh").factory());
        if (!period.isZero()) {
            timer.scheduleWithFixedDelay(this::refreshAll, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** One round over the enabled providers; how many lists changed. */
    public int refreshAll() {
        int changed = 0;
        for (Provider p : registry.providers()) {
            if (!p.enabled()) {
                continue;
            }
            try {
                List<String> listed = lister.apply(p).stream().distinct().toList();
                if (!new HashSet<>(listed).equals(new HashSet<>(registry.discovered(p.id())))) {
                    registry.recordDiscovered(GATEWAY_ACTOR, p.id(), listed);
                    changed++;
                }
            } catch (RuntimeException e) {
                LOG.warning("provider " + p.name() + " did not list its models: " + e.getMessage());
            }
        }
        return changed;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
