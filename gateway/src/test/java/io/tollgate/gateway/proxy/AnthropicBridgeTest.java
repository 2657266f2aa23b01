package io.tollgate.gateway.proxy;

import static io.tollgate.gateway.proxy.JsonFixtures.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.http.ApiError;

class AnthropicBridgeTest {

    @Test
    void systemMessagesMoveToTheSystemFieldAndSamplingOptionsAreRenamed() {
        ObjectNode out = AnthropicBridge.request(json("""
                {"model":"claude","messages":[{"role":"system","content":"Be brief."},
                 {"role":"developer","content":[{"type":"text","text":"Use English."}]},
                 {"role":"user","content":"hi"}],
                 "temperature":0.2,"top_p":0.9,"stop":"END","max_completion_tokens":50,"stream":true,
                 "stream_options":{"include_usage":true},"seed":7,"user":"u-1","top_k":5}"""), "claude-x", 4096);
        assertEquals("claude-x", out.path("model").asText());
        assertEquals("Be brief.\n\nUse English.", out.path("system").asText());
        assertEquals(1, out.path("messages").size());
        assertEquals("user", out.path("messages").get(0).path("role").asText());
        assertEquals(50, out.path("max_tokens").asLong());
        assertEquals("[\"END\"]", out.path("stop_sequences").toString());
        assertEquals("u-1", out.path("metadata").path("user_id").asText());
        assertEquals(5, out.path("top_k").asInt(), "Anthropic's own fields pass through");
        for (String gone : List.of("stream_options", "seed", "user", "max_completion_tokens", "stop")) {
            assertFalse(out.has(gone), gone);
        }
        assertTrue(out.path("stream").asBoolean());
    }

    @Test
    void withoutAnOutputCapTheDefaultIsSentBecauseAnthropicRequiresOne() {
        assertEquals(4096, AnthropicBridge.request(json("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                "m", 4096).path("max_tokens").asLong());
    }

    @Test
    void toolsToolCallsToolResultsAndImagesAreTranslated() {
        ObjectNode out = AnthropicBridge.request(json("""
                {"model":"m","tool_choice":{"type":"function","function":{"name":"weather"}},
                 "tools":[{"type":"function","function":{"name":"weather","description":"d",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"look"},
                   {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},
                   {"type":"image_url","image_url":{"url":"https://x/cat.jpg"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                   "function":{"name":"weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"cold"}]}"""), "m", 10);
        assertEquals("weather", out.path("tools").get(0).path("name").asText());
        assertEquals("object", out.path("tools").get(0).path("input_schema").path("type").asText());
        assertEquals("{\"type\":\"tool\",\"name\":\"weather\"}", out.path("tool_choice").toString());
        JsonNode user = out.path("messages").get(0).path("content");
        assertEquals("base64", user.get(1).path("source").path("type").asText());
        assertEquals("image/png", user.get(1).path("source").path("media_type").asText());
        assertEquals("iVBOR", user.get(1).path("source").path("data").asText());
        assertEquals("url", user.get(2).path("source").path("type").asText());
        JsonNode use = out.path("messages").get(1).path("content").get(0);
        assertEquals("tool_use", use.path("type").asText());
        assertEquals("Oslo", use.path("input").path("city").asText());
        JsonNode result = out.path("messages").get(2);
        assertEquals("user", result.path("role").asText());
        assertEquals("tool_result", result.path("content").get(0).path("type").asText());
        assertEquals("call_1", result.path("content").get(0).path("tool_use_id").asText());
        assertEquals("{\"type\":\"any\"}", AnthropicBridge.request(json("{\"model\":\"m\",\"tool_choice\":\"required\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "m", 1).path("tool_choice").toString());
    }

    @Test
    void whatAnthropicCannotDoIsA400NotASilentChange() {
        for (String extra : List.of("\"n\":2", "\"logprobs\":true", "\"response_format\":{\"type\":\"json_object\"}",
                "\"functions\":[]")) {
            ApiError e = assertThrows(ApiError.class, () -> AnthropicBridge.request(json("{\"model\":\"m\"," + extra
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "m", 1), extra);
            assertEquals(400, e.status());
            assertEquals("unsupported_parameter", e.code());
        }
        assertEquals(400, assertThrows(ApiError.class, () -> AnthropicBridge.request(json(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"only a system prompt\"}]}"), "m", 1)).status());
    }

    @Test
    void aReplyBecomesAChatCompletionWithBilledUsage() {
        ObjectNode reply = AnthropicBridge.reply(json("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-x","stop_reason":"max_tokens",
                 "content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],
                 "usage":{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":2,"output_tokens":7}}"""),
                "claude");
        assertEquals("chat.completion", reply.path("object").asText());
        assertEquals("claude", reply.path("model").asText());
        JsonNode choice = reply.path("choices").get(0);
        assertEquals("Hello there", choice.path("message").path("content").asText());
        assertEquals("length", choice.path("finish_reason").asText());
        assertEquals(17, reply.path("usage").path("prompt_tokens").asLong());
        assertEquals(7, reply.path("usage").path("completion_tokens").asLong());
        assertEquals(24, reply.path("usage").path("total_tokens").asLong());

        ObjectNode tool = AnthropicBridge.reply(json("""
                {"id":"msg_2","stop_reason":"tool_use","content":[{"type":"tool_use","id":"toolu_1","name":"weather",
                 "input":{"city":"Oslo"}}],"usage":{"input_tokens":1,"output_tokens":1}}"""), "claude");
        JsonNode message = tool.path("choices").get(0).path("message");
        assertTrue(message.path("content").isNull());
        assertEquals("toolu_1", message.path("tool_calls").get(0).path("id").asText());
        assertEquals("{\"city\":\"Oslo\"}", message.path("tool_calls").get(0).path("function").path("arguments").asText());
        assertEquals("tool_calls", tool.path("choices").get(0).path("finish_reason").asText());
    }

    @Test
    void anEventStreamBecomesChunksWithTheUsageChunkOnlyWhenAskedFor() {
        List<String> events = List.of(
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_9\",\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "{\"type\":\"ping\"}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
                "{\"type\":\"content_block_stop\",\"index\":0}",
                "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"w\",\"input\":{}}}",
                "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":1}\"}}",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":12}}",
                "{\"type\":\"message_stop\"}");
        List<JsonNode> withUsage = run(new AnthropicBridge.Stream("claude", true), events);
        assertEquals("assistant", withUsage.get(0).path("choices").get(0).path("delta").path("role").asText());
        assertEquals("chatcmpl-msg_9", withUsage.get(0).path("id").asText());
        assertEquals("Hi", withUsage.get(1).path("choices").get(0).path("delta").path("content").asText());
        JsonNode toolStart = withUsage.get(2).path("choices").get(0).path("delta").path("tool_calls").get(0);
        assertEquals("toolu_1", toolStart.path("id").asText());
        assertEquals(0, toolStart.path("index").asInt());
        assertEquals("{\"a\":1}", withUsage.get(3).path("choices").get(0).path("delta").path("tool_calls").get(0)
                .path("function").path("arguments").asText());
        assertEquals("tool_calls", withUsage.get(4).path("choices").get(0).path("finish_reason").asText());
        JsonNode usage = withUsage.get(5).path("usage");
        assertEquals(4, usage.path("prompt_tokens").asLong());
        assertEquals(12, usage.path("completion_tokens").asLong());
        assertEquals(0, withUsage.get(5).path("choices").size());
        assertEquals(6, withUsage.size());
        assertEquals(5, run(new AnthropicBridge.Stream("claude", false), events).size());
    }

    private static List<JsonNode> run(AnthropicBridge.Stream stream, List<String> events) {
        List<JsonNode> out = new ArrayList<>();
        for (String e : events) {
            stream.chunks(json(e)).forEach(c -> out.add(json(c)));
        }
        return out;
    }
}
