package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.devstack.MockUpstream;
import io.tollgate.ledger.money.Micros;

/**
 * The official Anthropic Java SDK calling a model on an OpenAI-format provider through /v1/messages:
 * translated to a chat completion and back (reply and event stream), ledgered with the usage reported.
 */
class AnthropicSdkToOpenAiModelTest extends GatewayTest {
    private AnthropicClient anthropic;

    @BeforeAll
    void start() {
        anthropic = AnthropicOkHttpClient.builder().apiKey(key).baseUrl(api.base()).maxRetries(0).build();
    }

    @Test
    void aMessageFromAnOpenAiModelIsLedgeredWithItsUsage() {
        Message m = anthropic.messages().create(MessageCreateParams.builder().model("chat").maxTokens(64)
                .system("reply plainly").addUserMessage("what is a journal").build());
        assertEquals(MockUpstream.replyTo("what is a journal"), m.content().getFirst().text().orElseThrow().text());
        assertEquals(StopReason.END_TURN, m.stopReason().orElseThrow());
        assertEquals(6, m.usage().inputTokens(), "the system prompt reached the upstream: 2 + 4 words");
        assertEquals(6, m.usage().outputTokens());
        JsonNode e = lastUsageEvent();
        assertEquals("chat", e.get("model").asText());
        assertEquals("mock", e.get("provider").asText());
        assertEquals("/messages", e.get("endpoint").asText());
        assertEquals(Micros.cost(6, 6, Catalog.CHAT_IN, Catalog.CHAT_OUT), e.get("cost_micros").asLong());
    }

    @Test
    void aStreamFromAnOpenAiModelArrivesAsAnthropicEvents() {
        StringBuilder text = new StringBuilder();
        List<String> types = new ArrayList<>();
        long[] output = {0};
        long before = usageCount();
        try (StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(MessageCreateParams.builder()
                .model("chat").maxTokens(64).addUserMessage("stream it over").build())) {
            stream.stream().forEach(ev -> {
                ev.messageStart().ifPresent(x -> types.add("message_start"));
                ev.contentBlockStart().ifPresent(x -> types.add("content_block_start"));
                ev.contentBlockDelta().ifPresent(d -> d.delta().text().ifPresent(t -> text.append(t.text())));
                ev.contentBlockStop().ifPresent(x -> types.add("content_block_stop"));
                ev.messageDelta().ifPresent(d -> {
                    types.add("message_delta");
                    output[0] = d.usage().outputTokens();
                });
                ev.messageStop().ifPresent(x -> types.add("message_stop"));
            });
        }
        assertEquals(MockUpstream.replyTo("stream it over"), text.toString());
        assertEquals(List.of("message_start", "content_block_start", "content_block_stop", "message_delta", "message_stop"), types);
        assertEquals(5, output[0]);
        assertEquals(before + 1, usageCount());
        assertTrue(lastUsageEvent().get("streamed").asBoolean());
        assertEquals(5, lastUsageEvent().get("completion_tokens").asLong());
    }

    @Test
    void anOutputCapReportsMaxTokens() {
        Message m = anthropic.messages().create(MessageCreateParams.builder().model("chat").maxTokens(2)
                .addUserMessage("cut this answer short").build());
        assertEquals(StopReason.MAX_TOKENS, m.stopReason().orElseThrow());
        assertEquals(2, m.usage().outputTokens());
    }

    @Test
    void whatAnOpenAiModelCannotDoIsA400() {
        Api.Reply r = api.post("/v1/messages", key, "{\"model\":\"chat\",\"max_tokens\":5,\"top_k\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, r.status());
        assertEquals("unsupported_parameter", r.errorCode());
    }
}
