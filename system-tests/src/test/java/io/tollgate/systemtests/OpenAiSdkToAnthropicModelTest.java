package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;

import io.tollgate.devstack.MockUpstream;
import io.tollgate.ledger.money.Micros;

/**
 * The official OpenAI SDK calling a model served by an Anthropic provider: the gateway sends a Messages
 * request (the mock refuses anything Anthropic would, e.g. a system role in messages or OpenAI-only
 * fields) and answers in chat completion format, ledgered with the usage Anthropic reported.
 */
class OpenAiSdkToAnthropicModelTest extends GatewayTest {
    private static final long CLAUDE_IN = 3_000_000;
    private static final long CLAUDE_OUT = 15_000_000;
    private OpenAIClient openai;

    @BeforeAll
    void start() {
        openai = OpenAIOkHttpClient.builder().apiKey(key).baseUrl(api.base() + "/v1").maxRetries(0).build();
    }

    @Test
    void aChatCompletionFromAClaudeModelIsLedgeredWithAnthropicsUsage() {
        ChatCompletion reply = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("claude")
                .addSystemMessage("answer like a ledger").addUserMessage("what is double entry").build());
        assertEquals(MockUpstream.replyTo("what is double entry"), reply.choices().getFirst().message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, reply.choices().getFirst().finishReason());
        CompletionUsage usage = reply.usage().orElseThrow();
        assertEquals(8, usage.promptTokens(), "the system prompt reached the upstream: 4 + 4 words");
        assertEquals(6, usage.completionTokens());

        JsonNode e = lastUsageEvent();
        assertEquals("claude", e.get("model").asText());
        assertEquals("mock-anthropic", e.get("provider").asText());
        assertEquals("/chat/completions", e.get("endpoint").asText());
        assertEquals(8, e.get("prompt_tokens").asLong());
        assertEquals(6, e.get("completion_tokens").asLong());
        assertEquals(Micros.cost(8, 6, CLAUDE_IN, CLAUDE_OUT), e.get("cost_micros").asLong());
        assertFalse(e.get("tokens_estimated").asBoolean());
    }

    @Test
    void aStreamFromAClaudeModelArrivesAsChatChunksWithOneUsageChunk() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("claude")
                .addUserMessage("stream the claude words")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        StringBuilder text = new StringBuilder();
        List<CompletionUsage> usages = new ArrayList<>();
        List<String> finishes = new ArrayList<>();
        long before = usageCount();
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> {
                    c.delta().content().ifPresent(text::append);
                    c.finishReason().ifPresent(f -> finishes.add(f.asString()));
                });
                chunk.usage().ifPresent(usages::add);
            });
        }
        assertEquals(MockUpstream.replyTo("stream the claude words"), text.toString());
        assertEquals(List.of("stop"), finishes);
        assertEquals(1, usages.size());
        assertEquals(before + 1, usageCount());
        JsonNode e = lastUsageEvent();
        assertTrue(e.get("streamed").asBoolean());
        assertEquals(4, e.get("prompt_tokens").asLong());
        assertEquals(6, e.get("completion_tokens").asLong());
        assertEquals(usages.getFirst().promptTokens(), e.get("prompt_tokens").asLong());
        assertEquals(usages.getFirst().completionTokens(), e.get("completion_tokens").asLong());
        assertEquals(Micros.cost(4, 6, CLAUDE_IN, CLAUDE_OUT), e.get("cost_micros").asLong());
    }

    @Test
    void aStreamWithoutAskingForUsageGetsNoUsageChunkButIsLedgeredFully() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(
                ChatCompletionCreateParams.builder().model("claude").addUserMessage("quiet please").build())) {
            stream.stream().forEach(chunks::add);
        }
        assertTrue(chunks.stream().allMatch(c -> c.usage().isEmpty()));
        assertEquals(4, lastUsageEvent().get("completion_tokens").asLong());
    }

    @Test
    void anOutputCapCutsTheReplyAndReportsLength() {
        ChatCompletion reply = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("claude")
                .addUserMessage("a longer question to cut short").maxCompletionTokens(2).build());
        assertEquals("Mock reply:", reply.choices().getFirst().message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, reply.choices().getFirst().finishReason());
        assertEquals(2, lastUsageEvent().get("completion_tokens").asLong());
    }

    @Test
    void aFieldAnthropicRefusesComesBackAsItsOwn400AndTheCallIsLedgered() {
        long before = usageCount();
        Api.Reply r = api.post("/v1/chat/completions", key, "{\"model\":\"claude\",\"bogus_option\":1,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals(400, r.status(), r.body());
        assertEquals("upstream_400", r.errorCode());
        assertTrue(r.json().get("error").get("message").asText().contains("bogus_option: Extra inputs are not permitted"));
        assertEquals(before + 1, usageCount());
        assertEquals(400, lastUsageEvent().get("upstream_status").asInt());
    }
}
