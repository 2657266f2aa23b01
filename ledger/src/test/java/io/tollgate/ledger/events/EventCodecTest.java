package io.tollgate.ledger.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class EventCodecTest {
    private final EventCodec codec = new EventCodec();

    static List<LedgerEvent> oneOfEach() {
        return List.of(
                new UsageRecorded("req_1", 7, 9, "demo-chat", "demo", "/chat/completions", true, 10, 20, 30, false,
                        45, 12, 200, "ab12", "Engineering", "bot", "live", "HR Bot", 2, true, "demo-a",
                        List.of("demo-b: 502 upstream_error"), null),
                new CreditsAdded(7, 5_000_000, "top-up", "idem-1", 1),
                new UserCreated(7, "a@b.c", "A", "user", 1L),
                new ApiKeyCreated(9, 7, "cli", "tg_live_abc123", List.of("completion:invoke"), "live", 1L, "api", null, null),
                new KeyRevoked(9, 7, "leaked", 1),
                new ProviderRegistered(3, "openai", "openai", "https://api.openai.com/v1", true, true, 1),
                new ProviderUpdated(3, "openai", "openai", "https://x/v1", true, false, false, 1),
                new ProviderModelsRefreshed(3, List.of("gpt-4o-mini"), 1),
                new ModelRegistered(4, "gpt-4o-mini", "GPT", 3, "gpt-4o-mini", 150_000, 600_000, false, 1),
                new KeyUpdated(9, 7, java.util.Map.of("max_requests", "10"), 1),
                new KeyRotated(9, 7, "tg_live_xyz987", 600, 1),
                new LimitsSet("key", 9, 7, java.util.Map.of("requests_per_minute", 60L), 1),
                new PlanAssigned(7, "pro", null, 1),
                new PasswordChanged(7, 7L),
                new DefaultModelSet("text", "gpt-4o-mini", 1),
                new ProviderKeySet(7, 3, 7),
                new ProviderKeyRemoved(7, 3, 7),
                new UserUpdated(7, java.util.Map.of("disabled", "true"), 1),
                new SessionOpened(7, "password"),
                new SessionClosed(7),
                new LoginLockedOut(7, 10, java.time.Instant.parse("2026-12-02T05:00:00Z")));
    }

    @Test
    void everyEventTypeSurvivesARoundTrip() {
        for (LedgerEvent e : oneOfEach()) {
            String type = EventCodec.typeOf(e);
            assertEquals(e, codec.decode(type, EventCodec.versionOf(type), codec.encode(e)), type);
        }
    }

    @Test
    void usagePayloadUsesThePublicSnakeCaseFieldNames() {
        String json = codec.encode(oneOfEach().getFirst());
        for (String field : List.of("request_id", "user_id", "key_id", "model", "provider", "prompt_tokens",
                "completion_tokens", "total_tokens", "cost_micros", "latency_ms", "upstream_status", "prompt_hash")) {
            assertTrue(json.contains("\"" + field + "\""), field + " missing from " + json);
        }
    }

    @Test
    void aPayloadNeverCarriesASecret() {
        for (LedgerEvent e : oneOfEach()) {
            String json = codec.encode(e);
            assertFalse(json.contains("\"api_key\""), json);
            assertFalse(json.contains("key_hash"), json);
        }
    }

    @Test
    void anUnknownVersionIsRefusedNotMisread() {
        String json = codec.encode(oneOfEach().getFirst());
        assertThrows(IllegalArgumentException.class, () -> codec.decode("UsageRecorded", 99, json));
        assertThrows(IllegalArgumentException.class, () -> codec.decode("NoSuchEvent", 1, json));
    }

    /** What data binding reads from a payload: the reference the streaming UsageRecorded reader must match. */
    private static UsageRecorded bound(String json) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
                .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(json, UsageRecorded.class);
    }

    @Test
    void usageIsReadAsDataBindingReadsItWhateverTheValuesAndFieldOrder() throws Exception {
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < 2000; i++) {
            UsageRecorded u = new UsageRecorded(random.nextBoolean() ? "req_" + i : null, random.nextLong(), random.nextLong(),
                    "m\"é" + i, "p", "/chat/completions", random.nextBoolean(), random.nextLong(), random.nextLong(),
                    random.nextLong(), random.nextBoolean(), random.nextLong(), random.nextLong(), random.nextInt(),
                    random.nextBoolean() ? "hash" : null, "CC ✓", null, "live", random.nextBoolean() ? "a\nb" : null,
                    random.nextInt(), random.nextBoolean(), random.nextBoolean() ? "dep \"x\"" : null,
                    random.nextBoolean() ? List.of() : List.of("d1: 500", "d\"2: timeout"),
                    random.nextBoolean() ? "4bf92f3577b34da6a3ce929d0e0e4736" : null);
            String json = codec.encode(u);
            assertEquals(u, codec.decode("UsageRecorded", 1, json));
            // The ledger's jsonb hands payloads back with its own key order.
            com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
            java.util.List<String> names = new java.util.ArrayList<>();
            tree.fieldNames().forEachRemaining(names::add);
            java.util.Collections.shuffle(names, random);
            com.fasterxml.jackson.databind.node.ObjectNode shuffled = tree.objectNode();
            names.forEach(n -> shuffled.set(n, tree.get(n)));
            assertEquals(u, codec.decode("UsageRecorded", 1, shuffled.toString()));
        }
    }

    @Test
    void usageIsWrittenWithEveryFieldInJsonbsKeyOrderAsFromPostgres() throws Exception {
        java.util.List<String> names = new java.util.ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(codec.encode(oneOfEach().getFirst()))
                .fieldNames().forEachRemaining(names::add);
        java.util.List<String> jsonb = new java.util.ArrayList<>(names);
        jsonb.sort(java.util.Comparator.comparingInt(String::length).thenComparing(java.util.Comparator.naturalOrder()));
        assertEquals(jsonb, names);
        assertEquals(UsageRecorded.class.getRecordComponents().length, names.size());
    }

    @Test
    void usageWithMissingNullOrUnknownFieldsReadsAsDataBindingReadsIt() throws Exception {
        for (String json : List.of("{}", "{\"user_id\":7,\"future\":{\"a\":[1,{\"b\":2}]},\"model\":\"m\"}",
                "{\"user_id\":null,\"streamed\":null,\"model\":null,\"messages\":3}",
                "{\"request_id\":\"r\",\"extra\":[],\"cost_micros\":9007199254740993}")) {
            assertEquals(bound(json), codec.decode("UsageRecorded", 1, json), json);
        }
    }

    @Test
    void usageWithAValueOfTheWrongKindIsRefused() {
        for (String json : List.of("{\"user_id\":\"7\"}", "{\"model\":5}", "{\"streamed\":1}", "[]", "{\"user_id\":1.5}",
                "{\"user_id\":7")) {
            assertThrows(IllegalArgumentException.class, () -> codec.decode("UsageRecorded", 1, json), json);
        }
    }
}
