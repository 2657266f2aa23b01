package io.tollgate.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.providers.Provider;

class DeploymentHealthTest {
    private static final Provider P = new Provider(1, "p", "openai", "http://127.0.0.1:1/v1", null, true, Instant.EPOCH);

    static ModelRoute route(String name, int priority, long price, Long rpm) {
        return new ModelRoute(1, "m", "m", P, "up", price, price, false, Instant.EPOCH, name, true, "model", 1, priority,
                rpm, null);
    }

    @Test
    void threeFailuresInARowCoolADeploymentDownThenOneProbeMayTryIt() throws Exception {
        DeploymentHealth health = new DeploymentHealth(Duration.ofMillis(200), new SimpleMeterRegistry());
        ModelRoute d = route("d", 0, 1, null);
        for (int i = 0; i < DeploymentHealth.FAILURES_TO_OPEN; i++) {
            assertTrue(health.acquire(d));
            health.failed(d, "500");
        }
        assertEquals(DeploymentHealth.Circuit.OPEN, health.circuit(d));
        assertFalse(health.eligible(d));
        assertFalse(health.acquire(d));
        Thread.sleep(250);
        assertEquals(DeploymentHealth.Circuit.HALF_OPEN, health.circuit(d));
        assertTrue(health.acquire(d), "one probe");
        assertFalse(health.acquire(d), "and only one at a time");
        health.succeeded(d, 10, 5);
        assertEquals(DeploymentHealth.Circuit.CLOSED, health.circuit(d));
    }

    @Test
    void aFailedProbeCoolsItDownAgainAtOnce() throws Exception {
        DeploymentHealth health = new DeploymentHealth(Duration.ofMillis(100), new SimpleMeterRegistry());
        ModelRoute d = route("d", 0, 1, null);
        for (int i = 0; i < DeploymentHealth.FAILURES_TO_OPEN; i++) {
            health.acquire(d);
            health.failed(d, "timeout");
        }
        Thread.sleep(150);
        assertTrue(health.acquire(d));
        health.failed(d, "503");
        assertEquals(DeploymentHealth.Circuit.OPEN, health.circuit(d));
    }

    @Test
    void aSuccessResetsTheCountOfFailures() {
        DeploymentHealth health = new DeploymentHealth(Duration.ofSeconds(30), new SimpleMeterRegistry());
        ModelRoute d = route("d", 0, 1, null);
        for (int round = 0; round < 3; round++) {
            health.acquire(d);
            health.failed(d, "500");
            health.acquire(d);
            health.failed(d, "500");
            health.acquire(d);
            health.succeeded(d, 5, 1);
        }
        assertEquals(DeploymentHealth.Circuit.CLOSED, health.circuit(d));
    }

    @Test
    void aDeploymentAtItsRequestsPerMinuteIsPassedOver() {
        DeploymentHealth health = new DeploymentHealth(Duration.ofSeconds(30), new SimpleMeterRegistry());
        ModelRoute d = route("d", 0, 1, 2L);
        assertTrue(health.acquire(d));
        assertTrue(health.acquire(d));
        assertFalse(health.acquire(d));
        assertFalse(health.eligible(d));
    }

    @Test
    void theRouterTriesLowerTiersFirstAndLeavesCoolingDeploymentsOut() {
        DeploymentHealth health = new DeploymentHealth(Duration.ofSeconds(30), new SimpleMeterRegistry());
        Router router = new Router(health, new SplittableRandom(7));
        ModelRoute failover = route("failover", 1, 1, null);
        ModelRoute cheap = route("cheap", 0, 1, null);
        ModelRoute dear = route("dear", 0, 9, null);
        ModelCatalog.Model byCost = new ModelCatalog.Model("m", "m", "lowest_cost", List.of(), true, true, false,
                Instant.EPOCH, List.of());
        assertEquals(List.of(cheap, dear, failover), router.order(byCost, List.of(failover, dear, cheap)));
        for (int i = 0; i < DeploymentHealth.FAILURES_TO_OPEN; i++) {
            health.acquire(cheap);
            health.failed(cheap, "500");
        }
        assertEquals(List.of(dear, failover), router.order(byCost, List.of(failover, dear, cheap)));
    }

    @Test
    void leastInFlightPrefersTheIdleDeployment() {
        DeploymentHealth health = new DeploymentHealth(Duration.ofSeconds(30), new SimpleMeterRegistry());
        Router router = new Router(health, new SplittableRandom(7));
        ModelRoute busy = route("busy", 0, 1, null);
        ModelRoute idle = route("idle", 0, 1, null);
        health.acquire(busy);
        ModelCatalog.Model model = new ModelCatalog.Model("m", "m", "least_in_flight", List.of(), true, true, false,
                Instant.EPOCH, List.of());
        for (int i = 0; i < 20; i++) {
            assertEquals(idle, router.order(model, List.of(busy, idle)).getFirst());
        }
    }
}
