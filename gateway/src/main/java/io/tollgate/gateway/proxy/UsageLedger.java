package io.tollgate.gateway.proxy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.gateway.telemetry.Tracing;
import io.tollgate.ledger.events.NewEvent;
import io.tollgate.ledger.events.UsageRecorded;
import io.tollgate.ledger.money.Micros;
import io.tollgate.ledger.store.GroupCommitWriter;

/** Turns one upstream call into its {@code UsageRecorded} event and waits until it is committed. */
public final class UsageLedger {
    /** What the proxy knows about a finished upstream call. */
    /**
     * @param route    the deployment that served the call (or, when none did, the last one tried)
     * @param attempts the earlier attempts and how each failed, {@code "deployment: outcome"}
     */
    record Call(String requestId, Principal caller, ModelRoute route, ProxyRequest request, String promptHash,
                UsageMeter.Usage usage, long latencyMs, int upstreamStatus, List<String> attempts) {
    }

    /** Finer buckets where a commit lands (the histogram's own step from 0.7 to 1.05 ms), in µs. */
    private static final Duration[] COMMIT_WAIT_BUCKETS = LongStream.of(100, 200, 300, 400, 500, 600, 800, 1_000,
            1_500, 2_000, 3_000, 4_000, 6_000, 8_000).mapToObj(us -> Duration.of(us, ChronoUnit.MICROS))
            .toArray(Duration[]::new);

    static final Duration MAX_BACKLOG = Duration.ofSeconds(1);

    private final GroupCommitWriter writer;
    private final Counter recorded;
    private final Timer commitWait;
    private final MeterRegistry meters;

    public UsageLedger(GroupCommitWriter writer, MeterRegistry meters) {
        this.writer = writer;
        this.meters = meters;
        this.recorded = Counter.builder("tollgate_usage_events_total")
                .description("UsageRecorded events committed").register(meters);
        // A histogram, not a mean: every reply waits for this, so its tail is the gateway's latency floor.
        this.commitWait = Timer.builder("tollgate_ledger_commit_wait")
                .description("How long a reply waited for its UsageRecorded event to be durable (queue, insert, WAL flush)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1).dividedBy(20))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .serviceLevelObjectives(COMMIT_WAIT_BUCKETS)
                .register(meters);
    }

    /** False while the ledger cannot be written: the proxy refuses to call upstream rather than call unledgered. */
    public boolean accepting() {
        return writer.healthy();
    }

    /**
     * True while commits lag by more than {@link #MAX_BACKLOG} (a stalled disk, a held lock, a starved
     * writer): a new call would be paid upstream and then wait behind them, so it is refused instead.
     */
    public boolean behind() {
        return writer.backlog().compareTo(MAX_BACKLOG) > 0;
    }

    static UsageRecorded event(Call call) {
        ModelRoute route = call.route();
        long cost = Micros.cost(call.usage().promptTokens(), call.usage().completionTokens(),
                route.inputMicrosPerMillion(), route.outputMicrosPerMillion());
        Principal p = call.caller();
        return new UsageRecorded(call.requestId(), p.userId(), p.keyId(), route.modelId(), route.provider().name(),
                call.request().endpoint().upstreamPath(), call.request().stream(), call.usage().promptTokens(),
                call.usage().completionTokens(), call.usage().totalTokens(), call.usage().estimated(), cost,
                call.latencyMs(), call.upstreamStatus(), call.promptHash(), p.costCentre(), p.project(),
                p.environment(), p.agent(), call.request().body().path("messages").size(), !route.priced(),
                route.deployment(), call.attempts(), Tracing.currentTraceId());
    }

    /** Spend and tokens by model as committed, for dashboards (the ledger, not these, is the record). */
    private void counted(UsageRecorded u) {
        Counter.builder("tollgate_spend_micros").description("Micro-USD charged, as ledgered").tags("model", u.model())
                .register(meters).increment(u.costMicros());
        Counter.builder("tollgate_tokens").description("Tokens ledgered, by direction").tags("model", u.model(),
                "direction", "input").register(meters).increment(u.promptTokens());
        Counter.builder("tollgate_tokens").description("Tokens ledgered, by direction").tags("model", u.model(),
                "direction", "output").register(meters).increment(u.completionTokens());
    }

    /** Blocks until the event is durable; 503 if it cannot be made so in time (the writer keeps the time limit). */
    void record(NewEvent event) {
        long started = System.nanoTime();
        try {
            writer.append(event).join();
            commitWait.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            recorded.increment();
            if (event.event() instanceof UsageRecorded u) {
                counted(u);
            }
        } catch (CompletionException | CancellationException e) {
            throw ApiError.unavailable("ledger_unavailable", "the usage ledger is unavailable; the reply was withheld");
        }
    }
}
