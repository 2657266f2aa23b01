package io.tollgate.gateway.proxy;

import static io.tollgate.gateway.proxy.JsonFixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.http.ApiError;

class OpenAiBridgeTest {

    @Test
    void aMessagesRequestBecomesAChatRequestWithToolsResultsAndImages() {
        ObjectNode out = OpenAiBridge.request(json("""
                {"model":"m","max_tokens":20,"system":[{"type":"text","text":"Be brief."}],"stream":true,
                 "stop_sequences":["END"],"metadata":{"user_id":"u-1"},"tool_choice":{"type":"any"},
                 "tools":[{"name":"weather","input_schema":{"type":"object"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"look"},
                   {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBOR"}}]},
                  {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Oslo"}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"cold"}]}]}"""), "gpt-x");
        assertEquals("gpt-x", out.path("model").asText());
        JsonNode messages = out.path("messages");
        assertEquals("system", messages.get(0).path("role").asText());
        assertEquals("Be brief.", messages.get(0).path("content").asText());
        assertEquals("data:image/png;base64,iVBOR", messages.get(1).path("content").get(1).path("image_url").path("url").asText());
        assertEquals("{\"city\":\"Oslo\"}", messages.get(2).path("tool_calls").get(0).path("function").path("arguments").asText());
        assertEquals("tool", messages.get(3).path("role").asText());
        assertEquals("toolu_1", messages.get(3).path("tool_call_id").asText());
        assertEquals("cold", messages.get(3).path("content").asText());
        assertEquals(20, out.path("max_tokens").asLong());
        assertEquals("[\"END\"]", out.path("stop").toString());
        assertEquals("u-1", out.path("user").asText());
        assertEquals("required", out.path("tool_choice").asText());
        assertEquals("function", out.path("tools").get(0).path("type").asText());
        assertTrue(out.path("stream_options").path("include_usage").asBoolean(), "the stream must report usage to be metered");
    }

    @Test
    void whatAnOpenAiModelCannotDoIsA400() {
        for (String extra : List.of("\"top_k\":5", "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":100}")) {
            ApiError e = assertThrows(ApiError.class, () -> OpenAiBridge.request(json("{\"model\":\"m\",\"max_tokens\":5,"
                    + extra + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "m"));
            assertEquals("unsupported_parameter", e.code());
        }
    }

    @Test
    void aChatCompletionBecomesAMessage() {
        ObjectNode m = OpenAiBridge.reply(json("""
                {"id":"chatcmpl-1","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant",
                 "content":"Checking.","tool_calls":[{"id":"call_1","type":"function",
                 "function":{"name":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]}}],
                 "usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}"""), "chat");
        assertEquals("message", m.path("type").asText());
        assertEquals("Checking.", m.path("content").get(0).path("text").asText());
        assertEquals("tool_use", m.path("content").get(1).path("type").asText());
        assertEquals("Oslo", m.path("content").get(1).path("input").path("city").asText());
        assertEquals("tool_use", m.path("stop_reason").asText());
        assertEquals(9, m.path("usage").path("input_tokens").asLong());
        assertEquals(4, m.path("usage").path("output_tokens").asLong());
        assertEquals("max_tokens", OpenAiBridge.stopReason("length"));
    }

    @Test
    void chunksBecomeAnthropicEventsEndingWithTheUsage() {
        OpenAiBridge.Stream s = new OpenAiBridge.Stream("chat");
        StringBuilder wire = new StringBuilder();
        for (String c : List.of(
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}",
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"\"}}]}}]}",
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":1}\"}}]}}]}",
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}",
                "{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":7}}")) {
            wire.append(new String(s.event(json(c)), StandardCharsets.UTF_8));
        }
        wire.append(new String(s.end(), StandardCharsets.UTF_8));
        List<String> types = new ArrayList<>();
        List<JsonNode> data = new ArrayList<>();
        for (String line : wire.toString().split("\n")) {
            if (line.startsWith("event: ")) {
                types.add(line.substring(7));
            } else if (line.startsWith("data: ")) {
                data.add(json(line.substring(6)));
            }
        }
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"), types);
        assertEquals("Hi", data.get(2).path("delta").path("text").asText());
        assertEquals("tool_use", data.get(4).path("content_block").path("type").asText());
        assertEquals(1, data.get(4).path("index").asInt());
        assertEquals("{\"a\":1}", data.get(5).path("delta").path("partial_json").asText());
        assertEquals("tool_use", data.get(7).path("delta").path("stop_reason").asText());
        assertEquals(7, data.get(7).path("usage").path("output_tokens").asLong());
        assertFalse(wire.toString().contains("[DONE]"));
    }
}
