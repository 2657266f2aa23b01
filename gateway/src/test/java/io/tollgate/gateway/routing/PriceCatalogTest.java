package io.tollgate.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

class PriceCatalogTest {
    private final PriceCatalog catalog = PriceCatalog.bundled();

    @Test
    void aWellKnownModelIsPricedInMicroDollarsPerMillionWithItsSource() {
        PriceCatalog.Price mini = catalog.price("openai", "gpt-4o-mini").orElseThrow();
        assertEquals(150_000, mini.inputMicrosPerMillion());
        assertEquals(600_000, mini.outputMicrosPerMillion());
        assertEquals("openai/gpt-4o-mini", mini.source());
    }

    @Test
    void datedSnapshotNamesTheirModelToo() {
        assertEquals("openai/gpt-4o-mini", catalog.price("openai", "gpt-4o-mini-2024-07-18").orElseThrow().source());
        assertTrue(catalog.price("anthropic", "claude-3-5-haiku-20241022").isPresent());
    }

    @Test
    void aResellersVendorSlashModelNameFallsBackToTheBareName() {
        assertTrue(catalog.price("openai", "some-vendor/gpt-4o-mini").isPresent());
    }

    @Test
    void anUnknownModelHasNoPrice() {
        assertFalse(catalog.price("openai", "mock-chat").isPresent());
    }

    @Test
    void theTableSaysWhenItWasTaken() {
        assertTrue(catalog.retrieved().matches("\\d{4}-\\d{2}-\\d{2}"), catalog.retrieved());
    }

    @Test
    void matchRulesCombine() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var rule = json.readTree("{\"or\":[{\"equals\":\"a\"},{\"and\":[{\"starts_with\":\"b\"},{\"ends_with\":\"z\"}]},"
                + "{\"regex\":\"^c-\\\\d+$\"}]}");
        assertTrue(PriceCatalog.matches(rule, "a"));
        assertTrue(PriceCatalog.matches(rule, "b-to-z"));
        assertFalse(PriceCatalog.matches(rule, "b-to-y"));
        assertTrue(PriceCatalog.matches(rule, "c-12"));
        assertFalse(PriceCatalog.matches(rule, "c-x"));
    }
}
