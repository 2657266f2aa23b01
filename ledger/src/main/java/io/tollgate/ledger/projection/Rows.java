package io.tollgate.ledger.projection;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Objects;

import io.tollgate.ledger.account.Granularity;

/** The rows of the read models, each a key and a value record. All money is micro-units. */
public final class Rows {
    private Rows() {
    }

    /**
     * A rate window of a key or a user ({@code subject} is "key" or "user"). equals and hashCode are
     * written out, cheapest comparison first: replay looks up millions of these.
     */
    public record WindowKey(String subject, long subjectId, Granularity granularity, Instant start) {
        @Override
        public boolean equals(Object o) {
            return o instanceof WindowKey k && subjectId == k.subjectId && granularity == k.granularity
                    && start.equals(k.start) && subject.equals(k.subject);
        }

        @Override
        public int hashCode() {
            return (int) (31 * (31 * subjectId + start.getEpochSecond()) + granularity.ordinal()) * 31 + subject.hashCode();
        }
    }

    public record WindowCounts(long requests, long tokens) {
        public WindowCounts plus(WindowCounts o) {
            return new WindowCounts(requests + o.requests, tokens + o.tokens);
        }
    }

    /** One roll-up cell: day × user × key × project × cost centre × environment × agent × model. Absent text is "". */
    public record SpendKey(LocalDate day, long userId, long keyId, String project, String costCentre,
                           String environment, String agent, String model) {
        /** Written out, numbers first, for the same reason as {@link WindowKey#equals}. */
        @Override
        public boolean equals(Object o) {
            return o instanceof SpendKey k && keyId == k.keyId && userId == k.userId && day.equals(k.day)
                    && Objects.equals(model, k.model) && Objects.equals(project, k.project)
                    && Objects.equals(costCentre, k.costCentre) && Objects.equals(environment, k.environment)
                    && Objects.equals(agent, k.agent);
        }

        /** Without {@code Objects.hash}, which boxes both ids into a fresh array on every lookup. */
        @Override
        public int hashCode() {
            int h = day.hashCode();
            h = 31 * h + Long.hashCode(userId);
            h = 31 * h + Long.hashCode(keyId);
            h = 31 * h + Objects.hashCode(project);
            h = 31 * h + Objects.hashCode(costCentre);
            h = 31 * h + Objects.hashCode(environment);
            h = 31 * h + Objects.hashCode(agent);
            return 31 * h + Objects.hashCode(model);
        }
    }

    /**
     * {@code latencyMs} and {@code messages} are sums, for averages and seed 004's message counts;
     * {@code repeats} and {@code wastedMicros} count the calls that repeated a prompt (see {@link PromptStats}).
     */
    public record Spend(long requests, long promptTokens, long completionTokens, long costMicros, long latencyMs,
                        long messages, long repeats, long wastedMicros) {
        public Spend plus(Spend o) {
            return new Spend(requests + o.requests, promptTokens + o.promptTokens, completionTokens + o.completionTokens,
                    Math.addExact(costMicros, o.costMicros), latencyMs + o.latencyMs, messages + o.messages,
                    repeats + o.repeats, Math.addExact(wastedMicros, o.wastedMicros));
        }
    }

    /**
     * The spend roll-up by month without key and agent: few enough rows that a report over months
     * or years sums thousands of rows, not millions.
     */
    public record SpendMonthKey(java.time.YearMonth month, long userId, String project, String costCentre,
                                String environment, String model) {
    }

    /**
     * Spend of one month, cost centre and environment by a single dimension ("user", "project" or
     * "model" with its value): the few thousand rows an organisation-wide overview sums.
     */
    public record DimensionKey(java.time.YearMonth month, String costCentre, String environment, String dimension,
                               String value) {
    }

    /** One usage event as finance lists it (rm_usage_event), keyed by its ledger seq. */
    public record UsageRow(Instant occurredAt, String requestId, long userId, long keyId, String model, String provider,
                           String endpoint, boolean streamed, long promptTokens, long completionTokens, long costMicros,
                           long latencyMs, int upstreamStatus, boolean tokensEstimated, String costCentre,
                           String project, String environment, String agent, long messages, String deployment,
                           boolean unpriced) {
    }

    /** An account's month (UTC, by event time): what a statement is made of. */
    public record MonthKey(String accountId, java.time.YearMonth month) {
    }

    /** Repeated prompts are counted per account, whose events Kafka keeps in order, so live and replay agree. */
    public record PromptKey(String accountId, String promptHash, String model) {
    }

    /** {@code repeats}: occurrences within the waste window of the previous one; their cost is {@code wastedMicros}. */
    public record PromptStats(Instant firstSeen, Instant lastSeen, long occurrences, long repeats, long wastedMicros) {
    }

    public record AuditEntry(Instant occurredAt, Long actorUserId, String action, String targetType, String targetId,
                             String accountId, String outcome, String details) {
    }
}
