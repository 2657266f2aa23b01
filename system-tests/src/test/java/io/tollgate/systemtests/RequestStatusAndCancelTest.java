package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.gateway.Gateway;
import io.tollgate.ledger.store.PostgresSettings;

/** Seed 002's /v1/requests/{id}/status and /cancel, on one instance and across two. */
class RequestStatusAndCancelTest extends GatewayTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A stream that stalls halfway for 60 s: started, with its first data line read. */
    private record Stalled(String requestId, BufferedReader body, long started) {
    }

    private static Stalled startStalledStream(int port, String key) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/v1/chat/completions")).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat-stall", "one two three four five six", true)))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        BufferedReader body = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        assertTrue(body.readLine().startsWith("data: "));
        return new Stalled(r.headers().firstValue("x-request-id").orElseThrow(), body, System.nanoTime());
    }

    /** Reads the rest of the stream; returns it once it ends. */
    private static String rest(Stalled s) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String line; (line = s.body().readLine()) != null; ) {
            out.append(line).append('\n');
        }
        return out.toString();
    }

    @BeforeAll
    void registerAModelThatNeverAnswers() {
        Catalog.model(api, "chat-hang", "mock-chat-hang", Catalog.providerId(api, "mock"), "0.50", "1.50");
    }

    /** A non-streamed call to the model that does not answer for a minute, sent with the client's own id. */
    private CompletableFuture<HttpResponse<String>> hangingCall(String requestId) throws Exception {
        CompletableFuture<HttpResponse<String>> reply = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(
                        "http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("X-Request-Id", requestId).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat-hang", "one two three", false))).build(),
                HttpResponse.BodyHandlers.ofString());
        for (int i = 0; i < 100 && api.get("/v1/requests/" + requestId + "/status", key).status() != 200; i++) {
            Thread.sleep(50);
        }
        assertEquals("running", api.get("/v1/requests/" + requestId + "/status", key).json().get("status").asText());
        return reply;
    }

    private Api.Reply chatWithId(String requestId) {
        return api.send(api.builder("/v1/chat/completions", key).header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat", "hi", false))).build());
    }

    @Test
    void aNonStreamedCallIsCancelledByTheIdItWasSentWithBeforeTheUpstreamAnswers() throws Exception {
        long before = usageCount();
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> reply = hangingCall("my-call.1");
        Api.Reply cancel = api.post("/v1/requests/my-call.1/cancel", key, "");
        assertEquals(200, cancel.status(), cancel.body());

        HttpResponse<String> r = reply.get(10, TimeUnit.SECONDS);
        assertTrue((System.nanoTime() - started) / 1e9 < 10, "answered at once, not after the upstream's minute");
        assertEquals(409, r.statusCode(), r.body());
        assertTrue(r.body().contains("request_cancelled"), r.body());
        assertEquals("my-call.1", r.headers().firstValue("x-request-id").orElseThrow(), "the client's id is the call's");
        assertEquals(before + 1, usageCount(), "ledgered once, and not sent again on a new connection");
        JsonNode event = lastUsageEvent();
        assertEquals("my-call.1", event.get("request_id").asText());
        assertEquals(0, event.get("completion_tokens").asLong());
        assertTrue(event.get("prompt_tokens").asLong() > 0, "the upstream has the prompt: estimated and billed");
        assertEquals("cancelled", api.get("/v1/requests/my-call.1/status", key).json().get("status").asText());
    }

    @Test
    void aClientsRequestIdMustBeWellFormedAndNotInFlightAlready() throws Exception {
        Api.Reply bad = chatWithId("has space");
        assertEquals(400, bad.status(), bad.body());
        assertEquals("invalid_request_id", bad.errorCode());

        CompletableFuture<HttpResponse<String>> first = hangingCall("busy-id");
        long before = usageCount();
        Api.Reply twin = chatWithId("busy-id");
        assertEquals(409, twin.status(), twin.body());
        assertEquals("request_id_in_use", twin.errorCode());
        assertEquals(before, usageCount(), "refused before any upstream call");
        long other = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"other.ids@example.com\"}").json().get("id").asLong();
        Api.Reply othersCall = api.send(api.builder("/v1/chat/completions", api.newKey(other, "completion:invoke,model:any"))
                .header("Content-Type", "application/json").header("X-Request-Id", "busy-id")
                .POST(HttpRequest.BodyPublishers.ofString(Catalog.chatBody("chat", "hi", false))).build());
        assertEquals(200, othersCall.status(), "another user's ids are their own");
        assertEquals("running", api.get("/v1/requests/busy-id/status", key).json().get("status").asText());
        assertEquals(200, api.post("/v1/requests/busy-id/cancel", key, "").status());
        assertEquals(409, first.get(10, TimeUnit.SECONDS).statusCode());

        Api.Reply again = chatWithId("busy-id");
        assertEquals(200, again.status(), "an id is free again once its call ended");
        assertEquals("completed", api.get("/v1/requests/busy-id/status", key).json().get("status").asText(),
                "the status is the latest call's");
    }

    @Test
    void aFinishedRequestShowsItsOutcomeToItsOwnerOnly() {
        Api.Reply chat = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "status please", false));
        String id = chat.header("x-request-id");
        JsonNode s = api.get("/v1/requests/" + id + "/status", key).json();
        assertEquals("completed", s.get("status").asText());
        assertEquals("chat", s.get("model").asText());
        assertEquals(2, s.get("prompt_tokens").asLong());
        assertEquals(200, s.get("upstream_status").asInt());
        assertEquals(200, api.get("/v1/requests/" + id + "/status", TestStack.ADMIN_KEY).status(), "admins see any");
        long eve = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"eve.requests@example.com\"}").json().get("id").asLong();
        String eveKey = api.newKey(eve, "completion:invoke,model:any");
        assertEquals(404, api.get("/v1/requests/" + id + "/status", eveKey).status());
        Api.Reply late = api.post("/v1/requests/" + id + "/cancel", key, "");
        assertEquals(409, late.status());
        assertEquals("request_finished", late.errorCode());
        assertEquals(404, api.get("/v1/requests/req_nope/status", key).status());
        assertEquals(404, api.get("/v1/requests/" + "req_" + "0".repeat(32) + "/status", key).status());
    }

    @Test
    void cancellingAStreamEndsItAtOnceWithAnErrorEventAndLedgersWhatWasGenerated() throws Exception {
        long before = usageCount();
        Stalled s = startStalledStream(gateway.port(), key);
        assertEquals("running", api.get("/v1/requests/" + s.requestId() + "/status", key).json().get("status").asText());

        long eve = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"eve.cancel@example.com\"}").json().get("id").asLong();
        assertEquals(202, api.post("/v1/requests/" + s.requestId() + "/cancel", api.newKey(eve, "completion:invoke"), "").status());
        Thread.sleep(300);
        assertEquals("running", api.get("/v1/requests/" + s.requestId() + "/status", key).json().get("status").asText(),
                "someone else's cancel does nothing");

        Api.Reply cancel = api.post("/v1/requests/" + s.requestId() + "/cancel", key, "");
        assertEquals(200, cancel.status(), cancel.body());
        String rest = rest(s);
        assertTrue((System.nanoTime() - s.started()) / 1e9 < 10, "the stream ended at once, not after the upstream's stall");
        assertTrue(rest.contains("request_cancelled"), rest);
        assertEquals(before + 1, usageCount());
        JsonNode status = api.get("/v1/requests/" + s.requestId() + "/status", key).json();
        assertEquals("cancelled", status.get("status").asText());
        assertTrue(status.get("completion_tokens").asLong() > 0, "the words streamed before the cancel are billed");
        assertEquals(status.get("completion_tokens").asLong(), lastUsageEvent().get("completion_tokens").asLong());
    }

    @Test
    void aStatusAskOrACancelSentToAnotherInstanceReachesTheOneServingTheCall() throws Exception {
        PostgresSettings db = TestStack.freshDatabase();
        try (Gateway a = Gateway.start(TestStack.config(db)); Gateway b = Gateway.start(TestStack.config(db))) {
            Api apiA = new Api(a.port());
            Catalog.register(apiA);
            String k = apiA.newKey(null, "completion:invoke,model:any");
            Stalled s = startStalledStream(a.port(), k);
            Api apiB = new Api(b.port());
            Api.Reply statusViaB = apiB.get("/v1/requests/" + s.requestId() + "/status", k);
            assertEquals(200, statusViaB.status(), statusViaB.body());
            assertEquals("running", statusViaB.json().get("status").asText(), "B asked A, which serves it");
            assertEquals("chat-stall", statusViaB.json().get("model").asText());
            assertEquals(404, apiB.get("/v1/requests/" + s.requestId() + "/status",
                    apiB.newKey(apiB.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"peer.eve@example.com\"}")
                            .json().get("id").asLong(), "completion:invoke")).status(), "A answers only for the owner");
            Api.Reply viaB = apiB.post("/v1/requests/" + s.requestId() + "/cancel", k, "");
            assertEquals(202, viaB.status(), viaB.body());
            assertEquals("cancel_requested", viaB.json().get("status").asText());
            assertTrue(rest(s).contains("request_cancelled"));
            assertTrue((System.nanoTime() - s.started()) / 1e9 < 10);
            assertEquals("cancelled", apiA.get("/v1/requests/" + s.requestId() + "/status", k).json().get("status").asText());
        }
    }

    @Test
    void anotherInstanceAnswersForAFinishedRequestFromTheProjectedUsageEvents() {
        try (EventFlow flow = new EventFlow(TestStack.kafka().bootstrap());
             Gateway other = Gateway.start(TestStack.config(flow.db))) {
            Catalog.register(flow.api);
            String k = flow.api.newKey(null, "completion:invoke,model:any");
            String id = flow.api.post("/v1/chat/completions", k, Catalog.chatBody("chat", "projected status", false))
                    .header("x-request-id");
            flow.awaitProjected(60);
            JsonNode s = new Api(other.port()).get("/v1/requests/" + id + "/status", k).json();
            assertEquals("completed", s.get("status").asText(), s.toString());
            assertEquals(2, s.get("prompt_tokens").asLong());
            assertEquals(200, s.get("upstream_status").asInt());
        }
    }
}
