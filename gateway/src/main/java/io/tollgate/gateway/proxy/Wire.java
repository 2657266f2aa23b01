package io.tollgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.providers.ModelRoute;
import io.tollgate.ledger.account.Entitlements;

/**
 * How one call crosses to its upstream, chosen once per call: as the client sent it, or translated for
 * a provider of the other format (chat completions to an Anthropic model, Anthropic Messages to an
 * OpenAI-format model). Completions and embeddings have no counterpart, so they only go direct.
 */
enum Wire {
    DIRECT, TO_ANTHROPIC, TO_OPENAI;

    static Wire of(ProxyRequest request, ModelRoute route) {
        String type = route.provider().dialect();
        if (request.endpoint() == Endpoint.CHAT && "anthropic".equals(type)) {
            return TO_ANTHROPIC;
        }
        if (request.endpoint() == Endpoint.MESSAGES && "openai".equals(type)) {
            return TO_OPENAI;
        }
        return DIRECT;
    }

    /** The wire format the upstream answers in: what the proxy meters. */
    Endpoint.Dialect upstreamDialect(ProxyRequest request) {
        return switch (this) {
            case DIRECT -> request.endpoint().dialect();
            case TO_ANTHROPIC -> Endpoint.Dialect.ANTHROPIC;
            case TO_OPENAI -> Endpoint.Dialect.OPENAI;
        };
    }

    /** The upstream path to post to. */
    String upstreamPath(ProxyRequest request) {
        return switch (this) {
            case DIRECT -> request.endpoint().upstreamPath();
            case TO_ANTHROPIC -> Endpoint.MESSAGES.upstreamPath();
            case TO_OPENAI -> Endpoint.CHAT.upstreamPath();
        };
    }

    /** The body for a translated call (direct calls keep theirs; see {@code ProxyService.upstreamBody}). */
    ObjectNode translatedBody(ProxyRequest request, ModelRoute route) {
        return switch (this) {
            case DIRECT -> throw new IllegalStateException("a direct call is not translated");
            case TO_ANTHROPIC -> AnthropicBridge.request(request.body(), route.upstreamName(), Entitlements.DEFAULT_MAX_OUTPUT);
            case TO_OPENAI -> OpenAiBridge.request(request.body(), route.upstreamName());
        };
    }

    /** A whole upstream reply in the client's format. */
    JsonNode reply(JsonNode upstreamReply, ProxyRequest request) {
        return switch (this) {
            case DIRECT -> upstreamReply;
            case TO_ANTHROPIC -> AnthropicBridge.reply(upstreamReply, request.model());
            case TO_OPENAI -> OpenAiBridge.reply(upstreamReply, request.model());
        };
    }

    /** The stream translation for this call, or null when events are relayed as they are. */
    StreamBridge stream(ProxyRequest request) {
        return switch (this) {
            case DIRECT -> null;
            case TO_ANTHROPIC -> new AnthropicBridge.Stream(request.model(), request.clientWantsUsage());
            case TO_OPENAI -> new OpenAiBridge.Stream(request.model());
        };
    }
}
