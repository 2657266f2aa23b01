package io.tollgate.ledger.account;

/**
 * What a call may ask for, before its cost is known: the model (the key's and the plan's), the
 * endpoint's feature, and how much output and reasoning. Pure, like the rest of the kernel; a
 * refusal here is a {@link Decision.Refused} the gateway maps to HTTP with the others.
 */
public final class Entitlements {
    /** Output reserved (and, under a cap on usage, written into the call) for a call that sets no bound. */
    public static final long DEFAULT_MAX_OUTPUT = 4096;

    /**
     * The most output a call can produce, which bounds its worst case, and the bound to write into the
     * call when it set none (null: leave the call as it is).
     */
    public record Output(long worstTokens, Long written) {
    }

    private Entitlements() {
    }

    /** Whether the key and the plan both include {@code model}. */
    public static boolean allows(Policy policy, String model) {
        Policy.Uses uses = policy.uses();
        return (uses.models() == null || uses.models().contains(model))
                && (policy.plan() == null || policy.plan().models() == null || policy.plan().models().contains(model));
    }

    /** Why a call of {@code feature} to {@code model} is not included, or null when it is. */
    public static Decision.Refused refusal(Policy policy, String model, String feature, boolean stream) {
        Policy.Uses uses = policy.uses();
        if (uses.models() != null && !uses.models().contains(model)) {
            return refused(Decision.Reason.MODEL_NOT_ALLOWED, "this key may not use model " + model);
        }
        Policy.Plan plan = policy.plan();
        if (plan == null) {
            return null;
        }
        if (plan.models() != null && !plan.models().contains(model)) {
            return refused(Decision.Reason.MODEL_NOT_IN_PLAN, "the " + plan.name() + " plan does not include model " + model);
        }
        boolean hasFeature = plan.features().contains(feature);
        if (!hasFeature || stream && !plan.features().contains("streaming")) {
            return refused(Decision.Reason.FEATURE_NOT_IN_PLAN, "the " + plan.name() + " plan does not include "
                    + (hasFeature ? "streaming" : feature) + "; it includes " + plan.features());
        }
        return null;
    }

    /** Why asking for {@code asked} output tokens is refused (over the key's limit), or null. */
    public static Decision.Refused outputRefusal(Policy policy, long asked) {
        Long max = policy.uses().maxOutputTokens();
        return max != null && asked > max ? refused(Decision.Reason.OUTPUT_LIMIT_EXCEEDED, "this key allows at most "
                + max + " output tokens per request (max_tokens_per_request); the request asks for " + asked) : null;
    }

    /**
     * The output bound of a call asking for {@code asked} tokens (0: it set none): what it asked; else the
     * key's limit, written into the call; else {@link #DEFAULT_MAX_OUTPUT}, written only when usage is capped.
     */
    public static Output output(Policy policy, long asked) {
        if (asked > 0) {
            return new Output(asked, null);
        }
        Long max = policy.uses().maxOutputTokens();
        if (max != null) {
            return new Output(max, max);
        }
        return new Output(DEFAULT_MAX_OUTPUT, policy.limitsUsage() ? DEFAULT_MAX_OUTPUT : null);
    }

    /** Why asking for {@code asked} reasoning tokens in {@code field} is refused (over the key's limit), or null. */
    public static Decision.Refused reasoningRefusal(Policy policy, long asked, String field) {
        Long max = policy.uses().maxReasoningTokens();
        return max != null && asked > max ? refused(Decision.Reason.REASONING_LIMIT_EXCEEDED, "this key allows at most "
                + max + " reasoning tokens (max_reasoning_tokens); " + field + " asks for " + asked) : null;
    }

    private static Decision.Refused refused(Decision.Reason reason, String message) {
        return new Decision.Refused(reason, message, null, null);
    }
}
