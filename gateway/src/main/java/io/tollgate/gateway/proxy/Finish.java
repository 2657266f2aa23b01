package io.tollgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;

/** What a generate call (seed 002) does with a finished reply; the plain endpoints have none. */
interface Finish {
    /** The client's body for a whole chat completion {@code chat}. */
    JsonNode reply(JsonNode chat, ModelCall call);

    /** A stream ended with this generated text (before its final event is sent). */
    void streamed(String text);
}
