package io.tollgate.gateway.proxy;

import com.fasterxml.jackson.databind.JsonNode;

/** Turns an upstream's event stream, event by event, into the client's wire format (see the bridges). */
interface StreamBridge {
    /** What the client gets for one upstream event (often nothing, sometimes several events). */
    byte[] event(JsonNode upstreamEvent);

    /** The client's closing events, once the upstream's last event has been committed to the ledger. */
    byte[] end();
}
