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
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;

import io.tollgate.devstack.MockUpstream;
import io.tollgate.ledger.money.Micros;

/** The official OpenAI Java SDK, unchanged, against the gateway: each call lands in the ledger exactly. */
class OpenAiSdkThroughGatewayTest extends GatewayTest {
    private OpenAIClient openai;

    @BeforeAll
    void start() {
        openai = OpenAIOkHttpClient.builder().apiKey(key).baseUrl(api.base() + "/v1").maxRetries(0).build();
    }

    @Test
    void chatCompletionIsLedgeredWithTheTokensAndCostTheUpstreamReported() {
        ChatCompletion reply = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("chat").addUserMessage("what is a ledger").build());
        assertEquals(MockUpstream.replyTo("what is a ledger"), reply.choices().getFirst().message().content().orElseThrow());
        CompletionUsage usage = reply.usage().orElseThrow();
        assertEquals(4, usage.promptTokens());
        assertEquals(6, usage.completionTokens());

        JsonNode e = lastUsageEvent();
        assertEquals("chat", e.get("model").asText());
        assertEquals("mock", e.get("provider").asText());
        assertEquals(4, e.get("prompt_tokens").asLong());
        assertEquals(6, e.get("completion_tokens").asLong());
        assertEquals(10, e.get("total_tokens").asLong());
        assertEquals(Micros.cost(4, 6, Catalog.CHAT_IN, Catalog.CHAT_OUT), e.get("cost_micros").asLong());
        assertEquals(11, e.get("cost_micros").asLong()); // (4*0.5 + 6*1.5) micros = 11
        assertEquals(200, e.get("upstream_status").asInt());
        assertFalse(e.get("streamed").asBoolean());
        assertFalse(e.get("tokens_estimated").asBoolean());
        assertEquals(64, e.get("prompt_hash").asText().length());
    }

    @Test
    void streamingChatRelaysEveryChunkAndLedgersTheFinalUsage() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("chat")
                .addUserMessage("stream me five words")
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        StringBuilder text = new StringBuilder();
        List<CompletionUsage> usages = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> {
                chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
                chunk.usage().ifPresent(usages::add);
            });
        }
        assertEquals(MockUpstream.replyTo("stream me five words"), text.toString());
        assertEquals(1, usages.size());
        JsonNode e = lastUsageEvent();
        assertTrue(e.get("streamed").asBoolean());
        assertEquals(usages.getFirst().promptTokens(), e.get("prompt_tokens").asLong());
        assertEquals(usages.getFirst().completionTokens(), e.get("completion_tokens").asLong());
        assertEquals(Micros.cost(4, 6, Catalog.CHAT_IN, Catalog.CHAT_OUT), e.get("cost_micros").asLong());
    }

    @Test
    void streamingWithoutAskingForUsageStillLedgersItButDoesNotSendIt() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("chat")
                .addUserMessage("no usage please").build();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunks::add);
        }
        assertTrue(chunks.stream().allMatch(c -> c.usage().isEmpty()), "the client did not ask for a usage chunk");
        JsonNode e = lastUsageEvent();
        assertEquals(3, e.get("prompt_tokens").asLong());
        assertEquals(5, e.get("completion_tokens").asLong());
        assertFalse(e.get("tokens_estimated").asBoolean(), "usage came from the upstream, asked on the client's behalf");
    }

    @Test
    void embeddingsAreLedgeredWithPromptTokensOnly() {
        CreateEmbeddingResponse reply = openai.embeddings().create(EmbeddingCreateParams.builder()
                .model("embed").input("one two three").build());
        assertEquals(8, reply.data().getFirst().embedding().size());
        assertEquals(3, reply.usage().promptTokens());
        JsonNode e = lastUsageEvent();
        assertEquals("embed", e.get("model").asText());
        assertEquals(3, e.get("prompt_tokens").asLong());
        assertEquals(0, e.get("completion_tokens").asLong());
        assertEquals(Micros.cost(3, 0, Catalog.EMBED_IN, 0), e.get("cost_micros").asLong());
    }

    @Test
    void modelsAreListedInOpenAiFormat() {
        List<String> ids = new ArrayList<>();
        openai.models().list().autoPager().forEach(m -> ids.add(m.id()));
        assertTrue(ids.containsAll(List.of("chat", "embed", "claude")), ids.toString());
        assertEquals("chat", openai.models().retrieve("chat").id());
    }
}
