package io.tollgate.ledger.events;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * Reads a version-1 {@code UsageRecorded} payload in one pass of Jackson's streaming parser. Nearly
 * every ledger event is one of these and replay reads millions: data binding (even with Blackbird)
 * cost ~2.5 µs a payload, this a fraction. It reads what {@link EventCodec#encode} writes, with data
 * binding's rules for the rest: unknown fields are skipped, absent or null numbers and flags are 0 and
 * false (as for {@code messages}, added later). A value of the wrong JSON type is refused, not coerced.
 */
final class UsageRecordedReader {
    /**
     * The field order payloads come in ({@link UsageRecorded}'s {@code @JsonPropertyOrder}, which is
     * jsonb's). Each name is tried first where it is expected, as bytes
     * ({@link JsonParser#nextFieldName(SerializableString)}), instead of being canonicalised: that
     * was a tenth of replay's decoding. Any other order still reads, only slower.
     */
    private static final String[] ORDER = UsageRecorded.class.getAnnotation(JsonPropertyOrder.class).value();
    private static final SerializableString[] NAMES = new SerializableString[ORDER.length];
    private static final Map<String, Integer> POSITION = new HashMap<>();

    static {
        for (int i = 0; i < ORDER.length; i++) {
            NAMES[i] = new SerializedString(ORDER[i]);
            POSITION.put(ORDER[i], i);
        }
    }

    private UsageRecordedReader() {
    }

    /** Reads the object starting at the parser's current token ({@code START_OBJECT}) up to its end. */
    static UsageRecorded read(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new IOException("a UsageRecorded payload is a JSON object");
        }
        String requestId = null;
        long userId = 0;
        long keyId = 0;
        String model = null;
        String provider = null;
        String endpoint = null;
        boolean streamed = false;
        long promptTokens = 0;
        long completionTokens = 0;
        long totalTokens = 0;
        boolean tokensEstimated = false;
        long costMicros = 0;
        long latencyMs = 0;
        int upstreamStatus = 0;
        String promptHash = null;
        String costCentre = null;
        String project = null;
        String environment = null;
        String agent = null;
        int messages = 0;
        boolean unpriced = false;
        String deployment = null;
        java.util.List<String> attempts = java.util.List.of();
        String traceId = null;
        int expected = 0;
        while (true) {
            String field;
            if (expected < NAMES.length && p.nextFieldName(NAMES[expected])) {
                field = ORDER[expected++];
            } else {
                JsonToken t = expected < NAMES.length ? p.currentToken() : p.nextToken();
                if (t != JsonToken.FIELD_NAME) {
                    break;
                }
                field = p.currentName();
                expected = POSITION.getOrDefault(field, expected - 1) + 1;
            }
            JsonToken value = p.nextToken();
            switch (field) {
                case "request_id" -> requestId = text(p, value);
                case "user_id" -> userId = number(p, value);
                case "key_id" -> keyId = number(p, value);
                case "model" -> model = text(p, value);
                case "provider" -> provider = text(p, value);
                case "endpoint" -> endpoint = text(p, value);
                case "streamed" -> streamed = flag(p, value);
                case "prompt_tokens" -> promptTokens = number(p, value);
                case "completion_tokens" -> completionTokens = number(p, value);
                case "total_tokens" -> totalTokens = number(p, value);
                case "tokens_estimated" -> tokensEstimated = flag(p, value);
                case "cost_micros" -> costMicros = number(p, value);
                case "latency_ms" -> latencyMs = number(p, value);
                case "upstream_status" -> upstreamStatus = Math.toIntExact(number(p, value));
                case "prompt_hash" -> promptHash = text(p, value);
                case "cost_centre" -> costCentre = text(p, value);
                case "project" -> project = text(p, value);
                case "environment" -> environment = text(p, value);
                case "agent" -> agent = text(p, value);
                case "messages" -> messages = Math.toIntExact(number(p, value));
                case "unpriced" -> unpriced = flag(p, value);
                case "deployment" -> deployment = text(p, value);
                case "attempts" -> attempts = texts(p, value);
                case "trace_id" -> traceId = text(p, value);
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            throw new IOException("unterminated UsageRecorded payload");
        }
        return new UsageRecorded(requestId, userId, keyId, model, provider, endpoint, streamed, promptTokens,
                completionTokens, totalTokens, tokensEstimated, costMicros, latencyMs, upstreamStatus, promptHash,
                costCentre, project, environment, agent, messages, unpriced, deployment, attempts, traceId);
    }

    private static java.util.List<String> texts(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return java.util.List.of();
        }
        if (t != JsonToken.START_ARRAY) {
            throw new IOException(p.currentName() + " is not an array of strings");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonToken item = p.nextToken(); item != JsonToken.END_ARRAY; item = p.nextToken()) {
            if (item != JsonToken.VALUE_STRING) {
                throw new IOException("attempts holds strings only");
            }
            out.add(p.getText());
        }
        return out;
    }

    private static String text(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_NULL -> null;
            default -> throw new IOException(p.currentName() + " is not a string");
        };
    }

    private static long number(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NULL -> 0;
            default -> throw new IOException(p.currentName() + " is not a whole number");
        };
    }

    private static boolean flag(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE, VALUE_NULL -> false;
            default -> throw new IOException(p.currentName() + " is not true or false");
        };
    }
}
