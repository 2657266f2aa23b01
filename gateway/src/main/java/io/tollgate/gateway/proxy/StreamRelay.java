package io.tollgate.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.http.ApiError;

/**
 * Relays an upstream's server-sent events to the client as they arrive, reading each event's usage on
 * the way and translating between dialects when the call crossed them. The final event is held back
 * until the call's usage event is committed: a client that saw the end of its stream was billed.
 */
final class StreamRelay {
    /** An SSE event is held until its blank line; one that never ends would otherwise grow without bound. */
    private static final int MAX_STREAM_EVENT = 8 << 20;
    /**
     * Stream events are counted against the memory budget in steps of this size, beyond a first one
     * this size that is not counted: events are small, and counting each line would make every
     * stream contend on the budget.
     */
    private static final long STREAM_EVENT_UNCOUNTED = 64 << 10;
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    private StreamRelay() {
    }

    /**
     * Relays SSE events as they arrive. The final event ({@code data: [DONE]} or Anthropic's
     * {@code message_stop}) is held back until the usage event is committed.
     */
    static void relay(ModelCall exchange, UpstreamClient.Call call, ServerResponse res) {
        ProxyRequest request = exchange.request;
        boolean anthropic = exchange.meter.upstream() == Endpoint.Dialect.ANTHROPIC;
        StreamBridge bridge = exchange.wire.stream(request);
        ByteArrayOutputStream translated = bridge == null ? null : new ByteArrayOutputStream(512);
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        OutputStream out = res.outputStream();
        boolean clientGone = false;
        try (InputStream body = call.response().inputStream()) {
            SseLines events = new SseLines(body, exchange.place::hold);
            ByteArrayOutputStream event = new ByteArrayOutputStream(512);
            long eventHeld = STREAM_EVENT_UNCOUNTED;
            boolean forward = true;
            boolean last = false;
            byte[] line;
            while (!clientGone && (line = events.next()) != null) {
                call.progressed();
                if (line.length > 0) {
                    if (startsWith(line, DATA)) {
                        int from = DATA.length;
                        int to = line.length;
                        while (from < to && line[from] == ' ') {
                            from++;
                        }
                        while (to > from && line[to - 1] == ' ') {
                            to--;
                        }
                        if (Arrays.equals(line, from, to, DONE, 0, DONE.length)) {
                            last = true;
                        } else {
                            JsonNode chunk = Replies.parse(line, from, to - from);
                            if (chunk != null) {
                                exchange.meter.observe(chunk);
                                last |= anthropic && UsageMeter.isFinalAnthropicEvent(chunk);
                                if (bridge != null) {
                                    translated.write(bridge.event(chunk));
                                }
                                // Usage was asked for on the client's behalf; don't hand it a chunk it didn't ask for.
                                forward &= anthropic || request.clientWantsUsage() || !isUsageOnly(chunk);
                            }
                        }
                    }
                    event.write(line);
                    event.write('\n');
                    if (event.size() > MAX_STREAM_EVENT) {
                        throw new IOException("an upstream stream event is longer than " + (MAX_STREAM_EVENT >> 20) + " MB");
                    }
                    if (event.size() > eventHeld) {
                        long more = Math.max(event.size() - eventHeld, STREAM_EVENT_UNCOUNTED);
                        exchange.place.hold(more);
                        eventHeld += more;
                    }
                    continue;
                }
                if (event.size() == 0) {
                    continue;
                }
                if (last) {
                    exchange.record(200, exchange.meter.usage(exchange.tokens));
                    if (exchange.finish != null) {
                        exchange.finish.streamed(exchange.meter.completionText());
                    }
                }
                if (bridge != null) {
                    if (last) {
                        translated.write(bridge.end());
                    }
                    if (translated.size() > 0) {
                        clientGone = !write(out, translated.toByteArray(), last || !events.buffered());
                        translated.reset();
                    }
                } else if (forward) {
                    event.write('\n');
                    // Events that arrived together leave together: flush once nothing more is already here.
                    clientGone = !write(out, event.toByteArray(), last || !events.buffered());
                }
                if (last) {
                    break;
                }
                event.reset();
                forward = true;
            }
        } catch (IOException | UncheckedIOException e) {
            // Upstream broke mid-stream (or the call was cancelled): what was generated so far is still recorded below.
            if (call.cancelled()) {
                write(out, ("data: " + Replies.errorJson(Replies.cancelled()) + "\n\n").getBytes(StandardCharsets.UTF_8), true);
            }
        } catch (ApiError e) {
            // The ledger refused the usage event, or the stream outgrew the memory budget: the client
            // gets an error instead of the final event.
            write(out, ("data: " + Replies.errorJson(e) + "\n\n").getBytes(StandardCharsets.UTF_8), true);
        } finally {
            if (!exchange.recorded) {
                try {
                    exchange.record(200, exchange.meter.usage(exchange.tokens));
                } catch (ApiError e) {
                    // Nothing more can be said to the client; the writer has logged the failure.
                }
            }
            try {
                out.close();
            } catch (IOException | UncheckedIOException e) {
                // client already gone
            }
        }
    }

    private static boolean isUsageOnly(JsonNode chunk) {
        return chunk.path("usage").isObject() && chunk.path("choices").isArray() && chunk.path("choices").isEmpty();
    }

    private static boolean startsWith(byte[] line, byte[] prefix) {
        return line.length >= prefix.length && Arrays.equals(line, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static boolean write(OutputStream out, byte[] bytes, boolean flush) {
        try {
            out.write(bytes);
            if (flush) {
                out.flush();
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }
}
