package io.tollgate.gateway.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.JsonNode;

import io.helidon.http.HeaderValues;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.http.InFlight;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Bodies;

/**
 * Relays a whole (not streamed) upstream reply: read within the memory budget, its usage observed and
 * its usage event committed before the client gets a byte, translated when the call crossed dialects.
 */
final class BodyRelay {
    private static final int MAX_UPSTREAM_BODY = 64 << 20;
    /** What a reply costs in memory per byte, as counted against the budget of {@link InFlight}: bytes and tree. */
    private static final int REPLY_COPIES = 3;

    private BodyRelay() {
    }

    static void relay(ModelCall exchange, UpstreamClient.Call call, ServerResponse res) {
        HttpClientResponse reply = call.response();
        byte[] body;
        try (InputStream in = reply.inputStream()) {
            try {
                body = Bodies.read(in, reply.headers().contentLength().orElse(-1), MAX_UPSTREAM_BODY, bytes -> exchange.place.hold(REPLY_COPIES * bytes));
            } catch (Bodies.Refused refused) {
                // Not relayed, but done and billed upstream: its usage is read as the reply streams past.
                exchange.meter.observeUsageOnly(Replies.MAPPER.createParser(refused.rest()));
                exchange.record(200, exchange.meter.usage(exchange.tokens));
                throw refused.refusal();
            }
        } catch (IOException | UncheckedIOException e) {
            exchange.record(200, exchange.meter.reportedOnly());
            if (call.cancelled()) {
                throw Replies.cancelled();
            }
            throw call.timedOut() ? ApiError.gatewayTimeout("upstream_timeout", "the upstream did not finish its reply in time")
                    : ApiError.badGateway("upstream_broken", "the upstream connection broke mid-reply");
        }
        JsonNode parsed = body.length > MAX_UPSTREAM_BODY ? null : Replies.parse(body);
        if (parsed == null) {
            exchange.record(200, exchange.meter.reportedOnly());
            throw ApiError.badGateway("upstream_invalid_response", "the upstream reply was not JSON of at most "
                    + (MAX_UPSTREAM_BODY >> 20) + " MB");
        }
        exchange.meter.observe(parsed);
        exchange.record(200, exchange.meter.usage(exchange.tokens));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        if (exchange.wire == Wire.DIRECT && exchange.finish == null) {
            res.send(body);
            return;
        }
        JsonNode answer = exchange.wire.reply(parsed, exchange.request);
        // A generate call is always a chat completion by now, from either kind of provider.
        res.send(Replies.bytes(exchange.finish == null ? answer : exchange.finish.reply(answer, exchange)));
    }
}
