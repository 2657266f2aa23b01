package io.tollgate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import io.tollgate.gateway.http.ApiError;

class ScopesTest {
    @Test
    void commaSeparatedAndArrayFormsAreTheSame() {
        Set<String> fromString = Scopes.parse(new TextNode("completion:invoke, model:gpt-4o-mini"));
        var array = JsonNodeFactory.instance.arrayNode().add("completion:invoke").add("model:gpt-4o-mini");
        assertEquals(fromString, Scopes.parse(array));
    }

    @Test
    void unknownScopesAreRefused() {
        assertThrows(ApiError.class, () -> Scopes.parse(new TextNode("completion:invoke,admin:all")));
        assertThrows(ApiError.class, () -> Scopes.parse(new TextNode(" , ")));
        assertThrows(ApiError.class, () -> Scopes.parse(null));
    }

    @Test
    void modelScopesGrantExactlyTheirModel() {
        Principal one = new Principal(1, 1, "user", Set.of("model:gpt-4o-mini"), "live", null, null, null, null, KeyPolicy.NONE, null, Principal.Credential.KEY, java.util.List.of(), false);
        Principal any = new Principal(1, 1, "user", Set.of("model:any"), "live", null, null, null, null, KeyPolicy.NONE, null, Principal.Credential.KEY, java.util.List.of(), false);
        assertTrue(one.mayUseModel("gpt-4o-mini"));
        assertFalse(one.mayUseModel("gpt-4o"));
        assertTrue(List.of("gpt-4o", "x").stream().allMatch(any::mayUseModel));
    }

    @Test
    void generatedKeysCarryTheirEnvironmentAndAShortPrefix() {
        String key = ApiKeys.generate("test");
        assertTrue(key.matches("tg_test_[0-9A-Za-z]{32}"), key);
        assertEquals(key.substring(0, 14), ApiKeys.prefixOf(key));
        assertEquals(32, ApiKeys.hash(key).length);
    }
}
