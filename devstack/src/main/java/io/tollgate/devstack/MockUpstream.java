package io.tollgate.devstack;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A stand-in for OpenAI and Anthropic that speaks their real wire formats, streaming included, with
 * deterministic usage: prompt tokens = words in the prompt, completion tokens = words in the reply.
 *
 * <p>Model names switch behaviours for tests and demos: {@code *no-usage*} never reports usage,
 * {@code *fail-500*} answers 500, {@code *fail-400*} answers 400, {@code *slow*} pauses between stream
 * chunks, {@code *burst*} writes a whole stream at once, {@code *cut*} breaks the stream off before its end,
 * {@code *hang*} never answers and {@code *stall*} stops sending halfway through a stream (both for a minute),
 * {@code *large*} replies with {@value #LARGE_REPLY_WORDS} words (~1.5 MB), {@code *chunked*} sends a non-streamed reply
 * without a Content-Length, {@code *long-event*} starts its stream
 * with one event of {@value #LONG_EVENT_LINES} comment lines of 1 KB, {@code *fail-429*} answers 429 with
 * {@code Retry-After: 1}, and {@code *flaky-429*} does so to every other call. {@link #failWith} makes every
 * call fail for a while, as an outage would.
 *
 * <p>It also speaks Ollama's own API at its root: {@code POST /api/generate} with an empty prompt loads a
 * model ({@code keep_alive: 0} unloads it), {@code GET /api/ps} lists those loaded; {@code *slow-load*} takes
 * {@value #SLOW_LOAD_MS} ms to load. A chat call loads its model too, as Ollama does.
 */
public final class MockUpstream implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    public static final int LARGE_REPLY_WORDS = 250_000;
    public static final int LONG_EVENT_LINES = 2048;
    public static final int SLOW_LOAD_MS = 1500;
    private final WebServer server;
    private final String requiredKey;
    private final AtomicLong calls = new AtomicLong();
    private final Map<String, AtomicLong> callsByModel = new ConcurrentHashMap<>();
    private final Set<String> loaded = ConcurrentHashMap.newKeySet();
    private volatile int failing;

    private MockUpstream(int port, String requiredKey, Duration idleTimeout, boolean announceIdleTimeout) {
        this.requiredKey = requiredKey;
        HttpRouting.Builder routing = HttpRouting.builder();
        if (announceIdleTimeout) {
            // As Node's http server does: every reply says how long an idle connection is kept.
            String keepAlive = "timeout=" + Math.max(1, idleTimeout.toSeconds());
            routing.addFilter((chain, req, res) -> {
                res.header(HeaderNames.create("Keep-Alive"), keepAlive);
                chain.proceed();
            });
        }
        routing
                .get("/v1/models", this::models)
                .post("/v1/chat/completions", this::chat)
                .post("/v1/completions", this::completions)
                .post("/v1/embeddings", this::embeddings)
                .post("/v1/messages", this::messages)
                .post("/api/generate", this::ollamaGenerate)
                .get("/api/ps", this::ollamaRunning);
        // TCP_NODELAY as real providers serve streams: with Nagle each flushed chunk would wait for an ACK.
        var builder = WebServer.builder().host("127.0.0.1").port(port)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .routing(routing);
        if (idleTimeout != null) {
            builder.idleConnectionTimeout(idleTimeout).idleConnectionPeriod(Duration.ofMillis(100));
        }
        this.server = builder.build().start();
    }

    /** @param requiredKey the API key callers must present, or null to accept any */
    public static MockUpstream start(int port, String requiredKey) {
        return new MockUpstream(port, requiredKey, null, false);
    }

    /**
     * A mock that closes connections idle for {@code idleTimeout}, as real providers and the proxies in
     * front of them do: saying so in a {@code Keep-Alive: timeout=N} header when {@code announce}, silently
     * otherwise.
     */
    public static MockUpstream closingIdleConnections(String requiredKey, Duration idleTimeout, boolean announce) {
        return new MockUpstream(0, requiredKey, idleTimeout, announce);
    }

    public int port() {
        return server.port();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** From now on every completion, message and embedding call answers {@code status} (0: answer normally again). */
    public void failWith(int status) {
        failing = status;
    }

    /** The models loaded through Ollama's API (or a call), by name. */
    public Set<String> loadedModels() {
        return Set.copyOf(loaded);
    }

    /** Completion and embedding calls received so far. */
    public long calls() {
        return calls.get();
    }

    /** The reply text the mock gives for a prompt whose last user message is {@code lastUser}. */
    public static String replyTo(String lastUser) {
        return "Mock reply: " + lastUser.strip();
    }

    public static int words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private void models(ServerRequest req, ServerResponse res) {
        // Anthropic's GET /v1/models takes x-api-key, OpenAI's a bearer token.
        if (!authorized(req, res, req.headers().contains(HeaderNames.create("x-api-key")))) {
            return;
        }
        ArrayNode data = MAPPER.createArrayNode();
        // gpt-4o-mini: a model the bundled price catalogue knows, as a real provider's list would hold.
        for (String id : List.of("mock-chat", "mock-embed", "mock-chat-no-usage", "mock-chat-slow", "mock-claude",
                "gpt-4o-mini")) {
            data.addObject().put("id", id).put("object", "model").put("created", 1_700_000_000L).put("owned_by", "mock");
        }
        send(res, 200, MAPPER.createObjectNode().put("object", "list").set("data", data));
    }

    private void chat(ServerRequest req, ServerResponse res) {
        JsonNode body = enter(req, res, false);
        if (body == null) {
            return;
        }
        String model = body.path("model").asText();
        Prompt prompt = Prompt.of(body);
        List<String> reply = model.contains("large") ? Collections.nCopies(LARGE_REPLY_WORDS, "lorem")
                : replyWords(prompt.lastUser(), body.path("max_tokens").asInt(body.path("max_completion_tokens").asInt(0)));
        boolean usage = !model.contains("no-usage");
        // Like the real API: "length" when the output cap cut the reply short.
        String finish = !model.contains("large") && reply.size() < replyWords(prompt.lastUser(), 0).size() ? "length" : "stop";
        String id = "chatcmpl-mock" + calls.get();
        if (body.path("stream").asBoolean(false)) {
            boolean includeUsage = usage && body.path("stream_options").path("include_usage").asBoolean(false);
            List<String> events = new ArrayList<>();
            events.add(chatChunk(id, model, MAPPER.createObjectNode().put("role", "assistant").put("content", ""), null));
            for (int i = 0; i < reply.size(); i++) {
                String piece = i == 0 ? reply.get(i) : " " + reply.get(i);
                events.add(chatChunk(id, model, MAPPER.createObjectNode().put("content", piece), null));
            }
            events.add(chatChunk(id, model, MAPPER.createObjectNode(), finish));
            if (includeUsage) {
                ObjectNode last = MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                        .put("created", 1_700_000_000L).put("model", model);
                last.putArray("choices");
                last.set("usage", usageNode(prompt.words(), reply.size()));
                events.add(last.toString());
            }
            stream(res, model, events, "data: [DONE]\n\n", null);
            return;
        }
        ObjectNode out = MAPPER.createObjectNode().put("id", id).put("object", "chat.completion")
                .put("created", 1_700_000_000L).put("model", model);
        // As OpenAI answers: logprobs and refusal are required, null when there are none.
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0).put("finish_reason", finish);
        choice.putObject("message").put("role", "assistant").put("content", String.join(" ", reply)).putNull("refusal");
        choice.putNull("logprobs");
        if (usage) {
            out.set("usage", usageNode(prompt.words(), reply.size()));
        }
        if (model.contains("chunked")) {
            res.header(HeaderNames.CONTENT_TYPE, "application/json");
            try (OutputStream chunked = res.outputStream()) {  // no Content-Length: chunked transfer
                chunked.write(out.toString().getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return;
        }
        send(res, 200, out);
    }

    private void completions(ServerRequest req, ServerResponse res) {
        JsonNode body = enter(req, res, false);
        if (body == null) {
            return;
        }
        String model = body.path("model").asText();
        String prompt = body.path("prompt").isTextual() ? body.path("prompt").asText() : body.path("prompt").toString();
        List<String> reply = replyWords(prompt, body.path("max_tokens").asInt(0));
        ObjectNode out = MAPPER.createObjectNode().put("id", "cmpl-mock" + calls.get()).put("object", "text_completion")
                .put("created", 1_700_000_000L).put("model", model);
        out.putArray("choices").addObject().put("index", 0).put("text", String.join(" ", reply))
                .put("finish_reason", "stop").putNull("logprobs");
        if (!model.contains("no-usage")) {
            out.set("usage", usageNode(words(prompt), reply.size()));
        }
        send(res, 200, out);
    }

    private void embeddings(ServerRequest req, ServerResponse res) {
        JsonNode body = enter(req, res, false);
        if (body == null) {
            return;
        }
        List<String> inputs = new ArrayList<>();
        JsonNode input = body.path("input");
        if (input.isTextual()) {
            inputs.add(input.asText());
        } else {
            input.forEach(i -> inputs.add(i.asText()));
        }
        ObjectNode out = MAPPER.createObjectNode().put("object", "list").put("model", body.path("model").asText());
        ArrayNode data = out.putArray("data");
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            tokens += words(inputs.get(i));
            ArrayNode vector = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
            int h = inputs.get(i).hashCode();
            for (int d = 0; d < 8; d++) {
                vector.add(((h >> d) & 0xff) / 255.0);
            }
        }
        if (!body.path("model").asText().contains("no-usage")) {
            out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        }
        send(res, 200, out);
    }

    /** Anthropic's Messages API, including its event stream. */
    private void messages(ServerRequest req, ServerResponse res) {
        JsonNode body = enter(req, res, true);
        if (body == null) {
            return;
        }
        String problem = notAnthropic(req, body);
        if (problem != null) {
            ObjectNode refusal = MAPPER.createObjectNode().put("type", "error");
            refusal.putObject("error").put("type", "invalid_request_error").put("message", problem);
            send(res, 400, refusal);
            return;
        }
        String model = body.path("model").asText();
        Prompt prompt = Prompt.of(body);
        List<String> reply = replyWords(prompt.lastUser(), body.path("max_tokens").asInt(0));
        String stopReason = reply.size() < replyWords(prompt.lastUser(), 0).size() ? "max_tokens" : "end_turn";
        String id = "msg_mock" + calls.get();
        if (body.path("stream").asBoolean(false)) {
            List<String> events = new ArrayList<>();
            ObjectNode start = MAPPER.createObjectNode().put("type", "message_start");
            ObjectNode msg = start.putObject("message").put("id", id).put("type", "message").put("role", "assistant")
                    .put("model", model);
            msg.putArray("content");
            msg.putObject("usage").put("input_tokens", prompt.words()).put("output_tokens", 1);
            events.add("event: message_start\ndata: " + start);
            events.add("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
            for (int i = 0; i < reply.size(); i++) {
                ObjectNode delta = MAPPER.createObjectNode().put("type", "content_block_delta").put("index", 0);
                delta.putObject("delta").put("type", "text_delta").put("text", i == 0 ? reply.get(i) : " " + reply.get(i));
                events.add("event: content_block_delta\ndata: " + delta);
            }
            events.add("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}");
            ObjectNode delta = MAPPER.createObjectNode().put("type", "message_delta");
            delta.putObject("delta").put("stop_reason", stopReason);
            delta.putObject("usage").put("output_tokens", reply.size());
            events.add("event: message_delta\ndata: " + delta);
            stream(res, model, events, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", "raw");
            return;
        }
        ObjectNode out = MAPPER.createObjectNode().put("id", id).put("type", "message").put("role", "assistant")
                .put("model", model).put("stop_reason", stopReason);
        out.putArray("content").addObject().put("type", "text").put("text", String.join(" ", reply));
        out.putObject("usage").put("input_tokens", prompt.words()).put("output_tokens", reply.size());
        send(res, 200, out);
    }

    /** Fields the Messages API accepts; anything else is refused as it is there ("Extra inputs are not permitted"). */
    private static final java.util.Set<String> ANTHROPIC_FIELDS = java.util.Set.of("model", "messages", "max_tokens",
            "system", "temperature", "top_p", "top_k", "stop_sequences", "stream", "metadata", "tools", "tool_choice",
            "thinking", "service_tier");

    /** Why a body is not a Messages request as Anthropic validates one, or null. */
    private static String notAnthropic(ServerRequest req, JsonNode body) {
        if (req.headers().first(HeaderNames.create("anthropic-version")).isEmpty()) {
            return "anthropic-version: header is required";
        }
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!ANTHROPIC_FIELDS.contains(field)) {
                return field + ": Extra inputs are not permitted";
            }
        }
        if (!body.path("max_tokens").isIntegralNumber() || body.path("max_tokens").asLong() < 1) {
            return "max_tokens: Field required";
        }
        if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
            return "messages: at least one message is required";
        }
        for (JsonNode m : body.path("messages")) {
            String role = m.path("role").asText();
            if (!role.equals("user") && !role.equals("assistant")) {
                return "messages: Unexpected role \"" + role + "\"; the system prompt goes in the top-level system field";
            }
        }
        return null;
    }

    /** Words in a chat or messages prompt (system included) and the last user message. */
    private record Prompt(int words, String lastUser) {
        static Prompt of(JsonNode body) {
            int count = body.path("system").isTextual() ? MockUpstream.words(body.path("system").asText()) : 0;
            String lastUser = "";
            for (JsonNode m : body.path("messages")) {
                String text = text(m.get("content"));
                count += MockUpstream.words(text);
                if ("user".equals(m.path("role").asText())) {
                    lastUser = text;
                }
            }
            return new Prompt(count, lastUser);
        }
    }

    /** Parses the body and applies the failure switches; null when a reply has already been sent. */
    private JsonNode enter(ServerRequest req, ServerResponse res, boolean anthropic) {
        if (!authorized(req, res, anthropic)) {
            return null;
        }
        calls.incrementAndGet();
        JsonNode body;
        try {
            body = MAPPER.readTree(req.content().as(byte[].class));
        } catch (IOException e) {
            send(res, 400, error("invalid JSON"));
            return null;
        }
        String model = body.path("model").asText();
        long nth = callsByModel.computeIfAbsent(model, m -> new AtomicLong()).incrementAndGet();
        if (failing != 0) {
            send(res, failing, error("mock upstream outage"));
            return null;
        }
        if (model.contains("fail-429") || model.contains("flaky-429") && nth % 2 == 1) {
            res.header(HeaderNames.RETRY_AFTER, "1");
            send(res, 429, error("Rate limit reached; retry after 1 s"));
            return null;
        }
        load(model);
        if (model.contains("hang")) {
            pause(60_000);
        }
        if (model.contains("fail-500")) {
            send(res, 500, error("mock upstream failure"));
            return null;
        }
        if (model.contains("fail-400")) {
            send(res, 400, error("mock upstream refused the request"));
            return null;
        }
        return body;
    }

    /** Ollama's load ({@code {"model"}}, no prompt) and unload ({@code "keep_alive": 0}). */
    private void ollamaGenerate(ServerRequest req, ServerResponse res) {
        JsonNode body;
        try {
            body = MAPPER.readTree(req.content().as(byte[].class));
        } catch (IOException e) {
            send(res, 400, MAPPER.createObjectNode().put("error", "invalid JSON"));
            return;
        }
        String model = body.path("model").asText();
        if (model.isEmpty()) {
            send(res, 400, MAPPER.createObjectNode().put("error", "model is required"));
            return;
        }
        boolean unload = body.path("keep_alive").isNumber() && body.path("keep_alive").asLong() == 0;
        if (unload) {
            loaded.remove(model);
        } else {
            load(model);
        }
        send(res, 200, MAPPER.createObjectNode().put("model", model).put("created_at", java.time.Instant.now().toString())
                .put("response", "").put("done", true).put("done_reason", unload ? "unload" : "load"));
    }

    private void ollamaRunning(ServerRequest req, ServerResponse res) {
        ArrayNode models = MAPPER.createArrayNode();
        loaded.stream().sorted().forEach(m -> models.addObject().put("name", m).put("model", m).put("size", 4_000_000_000L)
                .put("expires_at", "2318-01-01T00:00:00Z"));
        send(res, 200, MAPPER.createObjectNode().set("models", models));
    }

    private void load(String model) {
        if (!loaded.contains(model) && model.contains("slow-load")) {
            pause(SLOW_LOAD_MS);
        }
        loaded.add(model);
    }

    private boolean authorized(ServerRequest req, ServerResponse res, boolean anthropic) {
        if (requiredKey == null) {
            return true;
        }
        String presented = anthropic
                ? req.headers().first(HeaderNames.create("x-api-key")).orElse("")
                : req.headers().first(HeaderNames.AUTHORIZATION).orElse("").replaceFirst("^Bearer ", "");
        if (requiredKey.equals(presented)) {
            return true;
        }
        send(res, 401, error("Incorrect API key provided"));
        return false;
    }

    private static List<String> replyWords(String lastUser, int maxTokens) {
        List<String> words = new ArrayList<>(Arrays.asList(replyTo(lastUser).split("\\s+")));
        return maxTokens > 0 && words.size() > maxTokens ? words.subList(0, maxTokens) : words;
    }

    private static String chatChunk(String id, String model, ObjectNode delta, String finish) {
        ObjectNode chunk = MAPPER.createObjectNode().put("id", id).put("object", "chat.completion.chunk")
                .put("created", 1_700_000_000L).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return chunk.toString();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes SSE events one at a time, flushing each, as a real provider does. */
    private static void stream(ServerResponse res, String model, List<String> events, String finalEvent, String raw) {
        res.header(HeaderNames.CONTENT_TYPE, "text/event-stream");
        try (OutputStream out = res.outputStream()) {
            if (model.contains("burst")) {
                StringBuilder all = new StringBuilder();
                events.forEach(e -> all.append(raw == null ? "data: " + e + "\n\n" : e + "\n\n"));
                out.write(all.append(finalEvent).toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (model.contains("long-event")) {
                // One SSE event of comment lines (clients skip them), longer than any real chunk.
                byte[] padding = (": " + "x".repeat(1022) + "\n").getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < LONG_EVENT_LINES; i++) {
                    out.write(padding);
                }
                out.write('\n');
            }
            for (int i = 0; i < events.size(); i++) {
                String e = events.get(i);
                String frame = raw == null ? "data: " + e + "\n\n" : e + "\n\n";
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (model.contains("slow")) {
                    Thread.sleep(20);
                }
                if (model.contains("cut") && i == events.size() / 2) {
                    return;
                }
                if (model.contains("stall") && i == events.size() / 2) {
                    pause(60_000);
                }
            }
            out.write(finalEvent.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ObjectNode usageNode(int prompt, int completion) {
        return MAPPER.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        content.forEach(p -> sb.append(p.path("text").asText("")).append(' '));
        return sb.toString();
    }

    private static ObjectNode error(String message) {
        ObjectNode out = MAPPER.createObjectNode();
        out.putObject("error").put("message", message).put("type", "mock_error");
        return out;
    }

    private static void send(ServerResponse res, int status, JsonNode body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop();
    }

    /** Used by the README's examples: the mock as a standalone process. */
    public static void main(String[] args) {
        MockUpstream mock = start(args.length > 0 ? Integer.parseInt(args[0]) : 0, null);
        System.out.println("Mock upstream on " + mock.baseUrl() + " " + Map.of("models", "/v1/models"));
    }
}
