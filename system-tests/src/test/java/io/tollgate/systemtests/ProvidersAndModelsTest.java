package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import io.tollgate.gateway.Gateway;


class ProvidersAndModelsTest extends GatewayTest {

    private long provider(String name) {
        Api.Reply r = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"" + name + "\",\"type\":\"openai\","
                + "\"base_url\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\"" + TestStack.UPSTREAM_KEY
                + "\",\"enabled\":true}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asLong();
    }

    @Test
    void refreshModelsPullsTheProvidersModelList() {
        long id = provider("refreshable");
        Api.Reply r = api.post("/api/providers/" + id + "/refresh_models", TestStack.ADMIN_KEY, "{}");
        assertEquals(200, r.status(), r.body());
        List<String> models = new ArrayList<>();
        r.json().get("runtime_models").forEach(m -> models.add(m.asText()));
        assertTrue(models.containsAll(List.of("mock-chat", "mock-embed")), models.toString());
        assertEquals(models.size(), api.get("/api/providers/" + id, TestStack.ADMIN_KEY).json().get("runtime_models").size());
        assertEquals(2, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = "
                + "'ProviderModelsRefreshed' AND (payload->>'provider_id')::bigint = " + id), "on creation (seed 004) and asked");
    }

    @Test
    void aFailedRefreshIs502() {
        Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY,
                "{\"name\":\"unreachable\",\"base_url\":\"http://127.0.0.1:9/v1\"}");
        Api.Reply r = api.post("/api/providers/" + p.json().get("id").asLong() + "/refresh_models", TestStack.ADMIN_KEY, "{}");
        assertEquals(502, r.status(), r.body());
        assertEquals("refresh_failed", r.errorCode());
    }

    @Test
    void aModelListLargerThanFourMegabytesIsAFailedRefreshNotAFullHeap() throws Exception {
        HttpServer huge = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        huge.createContext("/v1/models", exchange -> {
            exchange.sendResponseHeaders(200, 0);  // chunked: no length to refuse up front
            try (OutputStream out = exchange.getResponseBody()) {
                out.write("{\"data\":[".getBytes());
                byte[] model = "{\"id\":\"padding-model-name-of-some-length\"},".getBytes();
                for (int written = 0; written < 6 << 20; written += model.length) {
                    out.write(model);
                }
                out.write("{\"id\":\"last\"}]}".getBytes());
            } catch (IOException closedEarly) {
                // the gateway stops reading at its bound
            }
        });
        huge.start();
        try {
            Api.Reply p = api.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"huge-list\",\"base_url\":"
                    + "\"http://127.0.0.1:" + huge.getAddress().getPort() + "/v1\"}");
            Api.Reply r = api.post("/api/providers/" + p.json().get("id").asLong() + "/refresh_models",
                    TestStack.ADMIN_KEY, "{}");
            assertEquals(502, r.status(), r.body());
            assertEquals("refresh_failed", r.errorCode());
            assertTrue(r.json().get("error").asText().contains("more than 4 MB"), r.body());
        } finally {
            huge.stop(0);
        }
    }

    @Test
    void aModelWithoutAPriceTakesTheCatalogsOrIsCallableFlaggedUnpricedButNeverPastABudget() {
        long id = provider("pricing");
        Api.Reply known = api.post("/v1/models", TestStack.ADMIN_KEY,
                "{\"model_name\":\"known-mini\",\"upstream_model\":\"gpt-4o-mini\",\"provider_id\":" + id + "}");
        assertEquals(201, known.status(), known.body());
        assertEquals("0.15", known.json().get("pricing").get("input_per_million").asText(), "the bundled catalogue's price");
        assertTrue(known.json().get("pricing").get("source").asText().startsWith("catalog:"), known.body());

        Api.Reply unpriced = api.post("/v1/models", TestStack.ADMIN_KEY,
                "{\"model_name\":\"unpriced\",\"upstream_model\":\"mock-chat\",\"provider_id\":" + id + "}");
        assertEquals(201, unpriced.status(), unpriced.body());
        assertEquals(false, unpriced.json().get("pricing").get("priced").asBoolean());
        String plain = api.newKey(null, "completion:invoke,model:any");
        Api.Reply called = api.post("/v1/chat/completions", plain, Catalog.chatBody("unpriced", "hi", false));
        assertEquals(200, called.status(), called.body());
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'UsageRecorded' "
                + "AND payload->>'model' = 'unpriced' AND (payload->>'unpriced')::boolean AND (payload->>'cost_micros')::bigint = 0"),
                "ledgered at no cost and flagged, for finance to price and see");
        Api.Reply budgeted = api.post("/api/keys", TestStack.ADMIN_KEY,
                "{\"name\":\"capped\",\"scopes\":\"completion:invoke,model:any\",\"monthly_budget_cap\":\"5\"}");
        Api.Reply refused = api.post("/v1/chat/completions", budgeted.json().get("key").asText(),
                Catalog.chatBody("unpriced", "hi", false));
        assertEquals(403, refused.status(), refused.body());
        assertEquals("model_unpriced", refused.errorCode());

        Api.Reply half = api.post("/v1/models", TestStack.ADMIN_KEY, "{\"model_name\":\"half\",\"provider_id\":"
                + id + ",\"input_price_per_million\":1}");
        assertEquals(400, half.status());
        assertEquals("missing_price", half.errorCode());
        Api.Reply tooPrecise = api.post("/v1/models", TestStack.ADMIN_KEY, "{\"model_name\":\"precise\",\"provider_id\":"
                + id + ",\"input_price_per_million\":0.0000001,\"output_price_per_million\":1}");
        assertEquals(400, tooPrecise.status());
        Api.Reply negative = api.post("/v1/models", TestStack.ADMIN_KEY, "{\"model_name\":\"neg\",\"provider_id\":"
                + id + ",\"input_price_per_million\":-1,\"output_price_per_million\":1}");
        assertEquals(400, negative.status());
        Api.Reply free = api.post("/v1/models", TestStack.ADMIN_KEY,
                "{\"model_name\":\"gratis\",\"upstream_model\":\"mock-chat\",\"provider_id\":" + id + ",\"free\":true}");
        assertEquals(201, free.status(), free.body());
        assertTrue(free.json().get("pricing").get("free").asBoolean());
        Api.Reply dup = api.post("/v1/models", TestStack.ADMIN_KEY,
                "{\"model_name\":\"gratis\",\"provider_id\":" + id + ",\"free\":true}");
        assertEquals(409, dup.status());
    }

    @Test
    void pricesAreKeptAsExactMicroUnits() {
        long id = provider("exact");
        Api.Reply r = api.post("/v1/models", TestStack.ADMIN_KEY, "{\"model_name\":\"exact-model\",\"provider_id\":" + id
                + ",\"input_price_per_million\":0.15,\"output_price_per_million\":\"0.6\"}");
        assertEquals(201, r.status(), r.body());
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM model_prices WHERE model_id = 'exact-model' "
                + "AND input_micros_per_million = 150000 AND output_micros_per_million = 600000"));
    }

    @Test
    void seed000RegistrationWithEndpointAndKeyIsCallable() {
        String writer = api.newKey(null, "completion:invoke,model:write,model:own-endpoint");
        Api.Reply r = api.post("/v1/models", writer, "{\"name\":\"Own endpoint\",\"model_name\":\"own-endpoint\","
                + "\"upstream_model\":\"mock-chat\",\"endpoint\":\"" + TestStack.mock().baseUrl() + "\",\"api_key\":\""
                + TestStack.UPSTREAM_KEY + "\",\"input_price_per_million\":1,\"output_price_per_million\":2}");
        assertEquals(201, r.status(), r.body());
        Api.Reply chat = api.post("/v1/chat/completions", writer, Catalog.chatBody("own-endpoint", "hi", false));
        assertEquals(200, chat.status(), chat.body());
    }

    @Test
    void theModelListShowsOnlyWhatTheKeyMayUse() {
        long id = provider("listing");
        for (String m : List.of("list-a", "list-b")) {
            Catalog.model(api, m, "mock-chat", id, "1", "1");
        }
        String onlyA = api.newKey(null, "completion:invoke,model:list-a");
        JsonNode list = api.get("/v1/models", onlyA).json();
        assertEquals("list", list.get("object").asText());
        assertEquals(1, list.get("data").size());
        assertEquals("list-a", list.get("data").get(0).get("id").asText());
        assertEquals("model", list.get("data").get(0).get("object").asText());
        assertEquals(404, api.get("/v1/models/list-b", onlyA).status());
        assertEquals(200, api.get("/api/v1/models/list-a", onlyA).status());
    }

    @Test
    void updatingAProviderRecordsAnEventAndKeepsItsKey() {
        long id = provider("updatable");
        Api.Reply r = api.put("/api/providers/" + id, TestStack.ADMIN_KEY, "{\"enabled\":false}");
        assertEquals(200, r.status(), r.body());
        assertEquals(false, r.json().get("enabled").asBoolean());
        assertTrue(r.json().get("has_api_key").asBoolean());
        assertEquals(1, TestStack.count(gateway.dataSource(), "SELECT count(*) FROM ledger_event WHERE type = 'ProviderUpdated'"));
        Catalog.model(api, "on-disabled", "mock-chat", id, "1", "1");
        String k = api.newKey(null, "completion:invoke,model:any");
        assertEquals(503, api.post("/v1/chat/completions", k, Catalog.chatBody("on-disabled", "hi", false)).status());
        assertEquals(200, api.put("/api/providers/" + id, TestStack.ADMIN_KEY, "{\"enabled\":true}").status());
        assertEquals(200, api.post("/v1/chat/completions", k, Catalog.chatBody("on-disabled", "hi", false)).status());
    }
    @Test
    void aProvidersModelListIsReadAgainByItselfAndOnlyAChangeIsLedgered() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> listed = new java.util.concurrent.atomic.AtomicReference<>("first");
        HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/v1/models", exchange -> {
            byte[] body = ("{\"object\":\"list\",\"data\":[{\"id\":\"" + listed.get() + "\"}]}").getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        upstream.start();
        try (Gateway own = Gateway.start(TestStack.config(TestStack.freshDatabase()).toBuilder()
                .modelRefresh(java.time.Duration.ofMillis(300)).build())) {
            Api ownApi = new Api(own.port());
            Api.Reply p = ownApi.post("/api/providers", TestStack.ADMIN_KEY, "{\"name\":\"changing\",\"base_url\":"
                    + "\"http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1\"}");
            assertEquals(201, p.status(), p.body());
            long id = p.json().get("id").asLong();
            Thread.sleep(1000);
            String refreshed = "SELECT count(*) FROM ledger_event WHERE type = 'ProviderModelsRefreshed'";
            assertEquals(1, TestStack.count(own.dataSource(), refreshed), "an unchanged list writes nothing");
            listed.set("second");
            TestStack.await("the new list", 10, () -> ownApi.get("/api/providers/" + id, TestStack.ADMIN_KEY).json()
                    .get("runtime_models").toString().equals("[\"second\"]"));
            assertEquals(2, TestStack.count(own.dataSource(), refreshed));
            assertTrue(ownApi.get("/v1/models", TestStack.ADMIN_KEY).body().contains("\"second\""), "and callable by name");
        } finally {
            upstream.stop(0);
        }
    }
}
