package io.tollgate.gateway.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.gateway.providers.ModelRoute;

/**
 * What this instance knows of each deployment's health, for routing: a circuit breaker (after
 * {@link #FAILURES_TO_OPEN} failures in a row the deployment cools down; once the cooldown is over one call
 * may probe it, and it closes again on success or cools down again on failure), calls in flight, an
 * exponentially weighted latency, and its requests and tokens in the current minute against its own
 * rpm/tpm limits. Shown in {@code /metrics} and at {@code GET /api/admin/deployments/health}.
 */
public final class DeploymentHealth {
    static final int FAILURES_TO_OPEN = 3;
    private static final double LATENCY_WEIGHT = 0.2;

    public enum Circuit { CLOSED, OPEN, HALF_OPEN }

    /** One deployment's state; guarded by its own monitor. */
    private static final class State {
        final String model;
        int failures;
        long openUntilNanos;
        boolean open;
        boolean probing;
        int inFlight;
        double latencyMs = Double.NaN;
        long minute;
        long minuteRequests;
        long minuteTokens;

        State(String model) {
            this.model = model;
        }

        Circuit circuit(long now) {
            return !open ? Circuit.CLOSED : now < openUntilNanos || probing ? Circuit.OPEN : Circuit.HALF_OPEN;
        }
    }

    private final Duration cooldown;
    private final MeterRegistry meters;
    private final Map<String, State> states = new ConcurrentHashMap<>();

    public DeploymentHealth(Duration cooldown, MeterRegistry meters) {
        this.cooldown = cooldown;
        this.meters = meters;
    }

    private State state(ModelRoute d) {
        return states.computeIfAbsent(d.deployment(), name -> {
            State s = new State(d.modelId());
            Gauge.builder("tollgate_deployment_up", s, st -> {
                synchronized (st) {
                    return switch (st.circuit(System.nanoTime())) {
                        case CLOSED -> 1.0;
                        case HALF_OPEN -> 0.5;
                        case OPEN -> 0.0;
                    };
                }
            }).description("1 while a deployment takes calls, 0 while it cools down after failures, 0.5 when it may be probed")
                    .tags("deployment", name, "model", d.modelId()).register(meters);
            return s;
        });
    }

    /** Whether routing should consider {@code d} now (its circuit is not cooling down, its minute not used up). */
    public boolean eligible(ModelRoute d) {
        State s = state(d);
        long now = System.nanoTime();
        synchronized (s) {
            roll(s);
            return s.circuit(now) != Circuit.OPEN && !overLimits(d, s);
        }
    }

    /** Takes {@code d} for one call, or false if it may not take one (cooling down, probe taken, limit reached). */
    public boolean acquire(ModelRoute d) {
        State s = state(d);
        long now = System.nanoTime();
        synchronized (s) {
            roll(s);
            Circuit c = s.circuit(now);
            if (c == Circuit.OPEN || overLimits(d, s)) {
                return false;
            }
            if (c == Circuit.HALF_OPEN) {
                s.probing = true;
            }
            s.inFlight++;
            s.minuteRequests++;
            return true;
        }
    }

    /** The call on {@code d} got an answer: its circuit closes, its latency counts. */
    public void succeeded(ModelRoute d, long latencyMs, long tokens) {
        State s = state(d);
        synchronized (s) {
            s.inFlight--;
            s.failures = 0;
            s.open = false;
            s.probing = false;
            s.minuteTokens += tokens;
            s.latencyMs = Double.isNaN(s.latencyMs) ? latencyMs : s.latencyMs + LATENCY_WEIGHT * (latencyMs - s.latencyMs);
        }
    }

    /** The call on {@code d} failed for a reason of the deployment's (unreachable, timeout, 429, 5xx). */
    public void failed(ModelRoute d, String outcome) {
        State s = state(d);
        synchronized (s) {
            s.inFlight--;
            s.failures++;
            if (s.probing || s.failures >= FAILURES_TO_OPEN) {
                s.open = true;
                s.probing = false;
                s.openUntilNanos = System.nanoTime() + cooldown.toNanos();
            }
        }
        Counter.builder("tollgate_deployment_failures").description("Calls a deployment failed, by how")
                .tags("deployment", d.deployment(), "model", d.modelId(), "outcome", outcome).register(meters).increment();
    }

    /** The call on {@code d} ended without saying anything of the deployment's health (the client's own error, a cancel). */
    public void released(ModelRoute d, long tokens) {
        State s = state(d);
        synchronized (s) {
            s.inFlight--;
            s.probing = false;
            s.minuteTokens += tokens;
        }
    }

    public Circuit circuit(ModelRoute d) {
        State s = state(d);
        synchronized (s) {
            return s.circuit(System.nanoTime());
        }
    }

    int inFlight(ModelRoute d) {
        State s = state(d);
        synchronized (s) {
            return s.inFlight;
        }
    }

    /** The deployment's weighted latency in ms; 0 while unknown, so a new deployment gets tried. */
    double latencyMs(ModelRoute d) {
        State s = state(d);
        synchronized (s) {
            return Double.isNaN(s.latencyMs) ? 0 : s.latencyMs;
        }
    }

    private static void roll(State s) {
        long minute = System.currentTimeMillis() / 60_000;
        if (minute != s.minute) {
            s.minute = minute;
            s.minuteRequests = 0;
            s.minuteTokens = 0;
        }
    }

    private static boolean overLimits(ModelRoute d, State s) {
        return d.rpmLimit() != null && s.minuteRequests >= d.rpmLimit() || d.tpmLimit() != null && s.minuteTokens >= d.tpmLimit();
    }

    /** Every deployment this instance has routed to, for the admin endpoint. */
    public List<Map<String, Object>> view() {
        List<Map<String, Object>> out = new ArrayList<>();
        long now = System.nanoTime();
        states.forEach((name, s) -> {
            synchronized (s) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("deployment", name);
                m.put("model", s.model);
                m.put("circuit", s.circuit(now).name().toLowerCase());
                m.put("consecutive_failures", s.failures);
                m.put("cooling_down_until", s.open ? Instant.now().plusNanos(Math.max(0, s.openUntilNanos - now)).toString() : null);
                m.put("in_flight", s.inFlight);
                m.put("latency_ms", Double.isNaN(s.latencyMs) ? null : Math.round(s.latencyMs * 10) / 10.0);
                m.put("requests_this_minute", s.minuteRequests);
                m.put("tokens_this_minute", s.minuteTokens);
                out.add(m);
            }
        });
        out.sort(java.util.Comparator.comparing(m -> (String) m.get("deployment")));
        return out;
    }
}
