package io.tollgate.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.LongConsumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** Reading request bodies safely (size, UTF-8, JSON object) and writing JSON replies. */
public final class Json {
    /** Management bodies: snake_case fields, unknown fields refused, decimals kept exact. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
            .configure(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS, false);

    static {
        // Deeply nested hostile JSON must fail as 400, not exhaust the stack.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
        // Wrong JSON types are errors, not guesses: 42 is not the string "42", "true" is not true.
        for (LogicalType type : new LogicalType[] {LogicalType.Textual, LogicalType.Boolean, LogicalType.Integer,
                LogicalType.Float}) {
            MAPPER.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.Integer, type == LogicalType.Integer || type == LogicalType.Float
                            ? CoercionAction.TryConvert : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, type == LogicalType.Float ? CoercionAction.TryConvert
                            : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, type == LogicalType.Boolean ? CoercionAction.TryConvert
                            : CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, type == LogicalType.Textual ? CoercionAction.TryConvert
                            : CoercionAction.Fail);
        }
    }

    private final int maxBodyBytes;

    public Json(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The body as bytes, refusing anything over the limit with 413 before reading it all. */
    public byte[] readBytes(ServerRequest req) {
        return readBytes(req, Bodies.UNCOUNTED);
    }

    /** As {@link #readBytes(ServerRequest)}, telling {@code hold} of the bytes before they are read (see {@link Bodies}). */
    public byte[] readBytes(ServerRequest req, LongConsumer hold) {
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > maxBodyBytes) {
            throw tooLarge();
        }
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = Bodies.read(in, declared, maxBodyBytes, hold);
            if (body.length > maxBodyBytes) {
                throw tooLarge();
            }
            return body;
        } catch (Bodies.Refused refused) {
            throw refused.refusal();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body as a JSON object: 400 for empty, invalid UTF-8, malformed JSON or a non-object. */
    public ObjectNode readObject(ServerRequest req) {
        return readObject(req, Bodies.UNCOUNTED);
    }

    public ObjectNode readObject(ServerRequest req, LongConsumer hold) {
        return parseObject(readBytes(req, hold));
    }

    public static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) {
            throw ApiError.badRequest("invalid_json", "request body is empty; a JSON object is required");
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body));
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest("invalid_utf8", "request body is not valid UTF-8");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiError.badRequest("invalid_json", "request body is not valid JSON: " + firstLine(e));
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiError.badRequest("invalid_json", "request body must be a JSON object");
        }
        if (containsNul(object)) {
            // Postgres text cannot hold U+0000; refused here rather than failing in the database.
            throw ApiError.badRequest("invalid_json", "request body strings must not contain \\u0000");
        }
        return object;
    }

    private static boolean containsNul(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\0') >= 0;
        }
        if (node.isObject()) {
            for (var it = node.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (e.getKey().indexOf('\0') >= 0 || containsNul(e.getValue())) {
                    return true;
                }
            }
            return false;
        }
        for (JsonNode child : node) {
            if (containsNul(child)) {
                return true;
            }
        }
        return false;
    }

    /** Binds a JSON object to a record, turning unknown fields and wrong types into a 400 that names them. */
    public static <T> T bind(ObjectNode body, Class<T> type) {
        try {
            return MAPPER.treeToValue(body, type);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("invalid_request", firstLine(e));
        }
    }

    public static void send(ServerResponse res, int status, Object body) {
        try {
            byte[] bytes = MAPPER.writeValueAsBytes(body);
            res.status(status);
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.send(bytes);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void noContent(ServerResponse res) {
        res.status(204);
        res.headers().remove(HeaderNames.CONTENT_TYPE);
        res.send();
    }

    private static ApiError tooLarge() {
        return new ApiError(413, "invalid_request_error", "request_too_large", "request body is larger than the limit");
    }

    private static String firstLine(Exception e) {
        String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (msg == null) {
            return "unreadable";
        }
        int nl = msg.indexOf('\n');
        return nl > 0 ? msg.substring(0, nl) : msg;
    }
}
