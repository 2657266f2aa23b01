package io.tollgate.gateway.proxy;

/** The data-plane operations, each with its upstream path and wire dialect. */
public enum Endpoint {
    CHAT("/chat/completions", Dialect.OPENAI, true),
    COMPLETIONS("/completions", Dialect.OPENAI, true),
    EMBEDDINGS("/embeddings", Dialect.OPENAI, false),
    MESSAGES("/messages", Dialect.ANTHROPIC, true);

    public enum Dialect { OPENAI, ANTHROPIC }

    private final String upstreamPath;
    private final Dialect dialect;
    private final boolean streamable;

    Endpoint(String upstreamPath, Dialect dialect, boolean streamable) {
        this.upstreamPath = upstreamPath;
        this.dialect = dialect;
        this.streamable = streamable;
    }

    public String upstreamPath() {
        return upstreamPath;
    }

    public Dialect dialect() {
        return dialect;
    }

    public boolean streamable() {
        return streamable;
    }

    /** The plan entitlement (seed 001 features) that allows calling this endpoint. */
    public String feature() {
        return switch (this) {
            case CHAT -> "chat";
            case COMPLETIONS -> "completions";
            case EMBEDDINGS -> "embeddings";
            case MESSAGES -> "messages";
        };
    }

    /** The operation's name in OpenTelemetry's GenAI conventions ({@code gen_ai.operation.name}). */
    public String operation() {
        return switch (this) {
            case CHAT, MESSAGES -> "chat";
            case COMPLETIONS -> "text_completion";
            case EMBEDDINGS -> "embeddings";
        };
    }

    /** The provider type that speaks this endpoint's wire format. */
    public String providerType() {
        return dialect == Dialect.ANTHROPIC ? "anthropic" : "openai";
    }
}
