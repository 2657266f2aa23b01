package io.tollgate.gateway.proxy;

import java.io.IOException;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.ErrorResponses;

/** JSON in and out of the data plane's bodies and streams, and the errors it says itself mid-call. */
final class Replies {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Replies() {
    }

    static byte[] bytes(JsonNode body) {
        try {
            return MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ApiError cancelled() {
        return new ApiError(409, "invalid_request_error", "request_cancelled", "the request was cancelled "
                + "(POST /v1/requests/{id}/cancel); what was generated until then is billed");
    }

    static String errorJson(ApiError e) {
        try {
            return MAPPER.writeValueAsString(Map.of("error", ErrorResponses.body(e)));
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    static JsonNode parse(byte[] bytes) {
        return parse(bytes, 0, bytes.length);
    }

    static JsonNode parse(byte[] bytes, int offset, int length) {
        try {
            return MAPPER.readTree(bytes, offset, length);
        } catch (IOException e) {
            return null;
        }
    }
}
