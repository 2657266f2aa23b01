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
                        45, 12, 200, "ab12", "Engineering", "bot", "live", "HR Bot", 2),
                new CreditsAdded(7, 5_000_000, "top-up", "idem-1", 1),
                new UserCreated(7, "a@b.c", "A", "user", 1L),
                new ApiKeyCreated(9, 7, "cli", "tg_live_abc123", List.of("completion:invoke"), "live", 1L, "api", null),
                new KeyRevoked(9, 7, "leaked", 1),
                new ProviderRegistered(3, "openai", "openai", "https://api.openai.com/v1", true, true, 1),
                new ProviderUpdated(3, "openai", "openai", "https://x/v1", true, false, false, 1),
                new ProviderModelsRefreshed(3, List.of("gpt-4o-mini"), 1),
                new ModelRegistered(4, "gpt-4o-mini", "GPT", 3, "gpt-4o-mini", 150_000, 600_000, false, 1),
                new KeyUpdated(9, 7, java.util.Map.of("max_requests", "10"), 1),
                new KeyRotated(9, 7, "tg_live_xyz987", 600, 1),
                new LimitsSet("key", 9, 7, java.util.Map.of("requests_per_minute", 60L), 1),
                new PlanAssigned(7, "pro", null, 1));
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
}
