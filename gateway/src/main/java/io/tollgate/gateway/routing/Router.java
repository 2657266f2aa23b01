package io.tollgate.gateway.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

import io.tollgate.gateway.providers.ModelRoute;

/**
 * The order a call tries a model's deployments in: the lowest priority tier first, and within a tier as
 * the model's strategy says (weighted random, least calls in flight, lowest observed latency, lowest
 * price); deployments cooling down are left out. A model's fallbacks follow, each ordered the same way.
 */
public final class Router {
    private final DeploymentHealth health;
    private final RandomGenerator random;

    public Router(DeploymentHealth health, RandomGenerator random) {
        this.health = health;
        this.random = random;
    }

    public DeploymentHealth health() {
        return health;
    }

    /** {@code model}'s eligible deployments in the order to try them. */
    public List<ModelRoute> order(ModelCatalog.Model model, List<ModelRoute> deployments) {
        Map<Integer, List<ModelRoute>> tiers = new TreeMap<>();
        for (ModelRoute d : deployments) {
            if (health.eligible(d)) {
                tiers.computeIfAbsent(d.priority(), p -> new ArrayList<>()).add(d);
            }
        }
        List<ModelRoute> out = new ArrayList<>();
        tiers.values().forEach(tier -> out.addAll(ordered(model.strategy(), tier)));
        return out;
    }

    private List<ModelRoute> ordered(String strategy, List<ModelRoute> tier) {
        List<ModelRoute> out = new ArrayList<>(tier);
        switch (strategy) {
            case "least_in_flight" -> {
                shuffle(out);  // ties broken at random, not always to the same deployment
                out.sort(Comparator.comparingInt(health::inFlight));
            }
            case "lowest_latency" -> {
                shuffle(out);
                out.sort(Comparator.comparingDouble(health::latencyMs));
            }
            case "lowest_cost" -> {
                shuffle(out);
                out.sort(Comparator.comparingLong(d -> d.inputMicrosPerMillion() + d.outputMicrosPerMillion()));
            }
            default -> weighted(out);
        }
        return out;
    }

    /**
     * A random order in which each deployment comes first with probability weight / total (Efraimidis and
     * Spirakis: sort by u^(1/w) for u uniform in (0, 1), largest first).
     */
    private void weighted(List<ModelRoute> tier) {
        Map<ModelRoute, Double> keys = new java.util.IdentityHashMap<>();
        for (ModelRoute d : tier) {
            keys.put(d, Math.pow(random.nextDouble(Math.ulp(0.0), 1.0), 1.0 / d.weight()));
        }
        tier.sort(Comparator.comparingDouble((ModelRoute d) -> keys.get(d)).reversed());
    }

    private void shuffle(List<ModelRoute> list) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            ModelRoute t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
