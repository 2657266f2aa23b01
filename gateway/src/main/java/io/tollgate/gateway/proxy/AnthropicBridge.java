package io.tollgate.gateway.proxy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.http.ApiError;

/**
 * OpenAI chat completions served by an Anthropic model: the request becomes a Messages request, the
 * reply (whole, or event by event) becomes a chat completion, so an OpenAI SDK can call Claude. Pure
 * functions of JSON; the proxy meters the Anthropic side, which is what the provider bills.
 */
final class AnthropicBridge {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Sampling hints with no Anthropic equivalent that change nothing a client relies on: dropped. */
    private static final List<String> DROPPED = List.of("model", "messages", "stream_options", "seed", "presence_penalty",
            "frequency_penalty", "logit_bias", "parallel_tool_calls", "store", "service_tier", "user");
    private static final List<String> TRANSLATED = List.of("max_tokens", "max_completion_tokens", "n", "logprobs",
            "top_logprobs", "response_format", "stop", "tools", "tool_choice");

    private AnthropicBridge() {
    }

    /** The Messages request for an OpenAI chat request; 400 for what cannot be expressed (n > 1, logprobs, JSON modes). */
    static ObjectNode request(ObjectNode chat, String upstreamModel, long defaultMaxTokens) {
        refuse(chat.path("n").asInt(1) > 1, "n", "Anthropic models return one choice; n must be 1");
        refuse(chat.path("logprobs").asBoolean(false) || chat.hasNonNull("top_logprobs"), "logprobs",
                "Anthropic models do not return log probabilities");
        refuse(chat.has("functions") || chat.has("function_call"), "functions",
                "the legacy functions API is not translated; send tools and tool_choice");
        String format = chat.path("response_format").path("type").asText("text");
        refuse(!format.equals("text"), "response_format", "response_format " + format
                + " is not available for Anthropic models; describe the format in the prompt or use a tool");
        ObjectNode out = NODES.objectNode().put("model", upstreamModel);
        long maxTokens = Math.max(chat.path("max_completion_tokens").asLong(0), chat.path("max_tokens").asLong(0));
        out.put("max_tokens", maxTokens > 0 ? maxTokens : defaultMaxTokens);
        StringBuilder system = new StringBuilder();
        ArrayNode messages = out.putArray("messages");
        for (JsonNode m : chat.path("messages")) {
            String role = m.path("role").asText();
            switch (role) {
                case "system", "developer" -> system.append(system.isEmpty() ? "" : "\n\n").append(PromptText.content(m.get("content")));
                case "user" -> messages.addObject().put("role", "user").set("content", content(m.get("content")));
                case "assistant" -> messages.add(assistant(m));
                case "tool" -> {
                    ObjectNode result = NODES.objectNode().put("type", "tool_result")
                            .put("tool_use_id", m.path("tool_call_id").asText())
                            .put("content", PromptText.content(m.get("content")));
                    messages.addObject().put("role", "user").putArray("content").add(result);
                }
                default -> throw ApiError.badRequest("invalid_messages", "message role " + role
                        + " is not one of system, developer, user, assistant, tool");
            }
        }
        if (messages.isEmpty()) {
            throw ApiError.badRequest("invalid_messages", "an Anthropic model needs at least one user message");
        }
        if (!system.isEmpty()) {
            out.put("system", system.toString());
        }
        copy(chat, out, "temperature", "top_p", "stream");
        JsonNode stop = chat.get("stop");
        if (stop != null && !stop.isNull()) {
            out.set("stop_sequences", stop.isArray() ? stop : NODES.arrayNode().add(stop.asText()));
        }
        if (chat.path("user").isTextual()) {
            out.putObject("metadata").put("user_id", chat.path("user").asText());
        }
        tools(chat, out);
        // Fields this gateway does not translate go through under their own names (e.g. Anthropic's own
        // "thinking" or "top_k"), for the upstream to accept or refuse.
        chat.properties().forEach(e -> {
            String field = e.getKey();
            if (!out.has(field) && !DROPPED.contains(field) && !TRANSLATED.contains(field)) {
                out.set(field, e.getValue());
            }
        });
        return out;
    }

    private static void refuse(boolean unsupported, String field, String message) {
        if (unsupported) {
            throw ApiError.badRequest("unsupported_parameter", field + ": " + message);
        }
    }

    private static void copy(JsonNode from, ObjectNode to, String... fields) {
        for (String f : fields) {
            if (from.hasNonNull(f)) {
                to.set(f, from.get(f));
            }
        }
    }

    /** OpenAI content (a string or parts) as Anthropic content blocks. */
    private static JsonNode content(JsonNode content) {
        if (content == null || content.isNull() || content.isTextual()) {
            return NODES.textNode(content == null || content.isNull() ? "" : content.asText());
        }
        ArrayNode blocks = NODES.arrayNode();
        for (JsonNode part : content) {
            switch (part.path("type").asText()) {
                case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asText());
                case "image_url" -> blocks.add(image(part.path("image_url").path("url").asText()));
                default -> throw ApiError.badRequest("unsupported_parameter", "content part type "
                        + part.path("type").asText() + " cannot be sent to an Anthropic model");
            }
        }
        return blocks;
    }

    /** {@code data:image/png;base64,...} inline, anything else by URL. */
    private static ObjectNode image(String url) {
        ObjectNode block = NODES.objectNode().put("type", "image");
        ObjectNode source = block.putObject("source");
        int comma = url.indexOf(',');
        if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
            source.put("type", "base64").put("media_type", url.substring(5, comma - 7)).put("data", url.substring(comma + 1));
        } else {
            source.put("type", "url").put("url", url);
        }
        return block;
    }

    private static ObjectNode assistant(JsonNode m) {
        ObjectNode out = NODES.objectNode().put("role", "assistant");
        JsonNode calls = m.path("tool_calls");
        if (!calls.isArray() || calls.isEmpty()) {
            return out.put("content", PromptText.content(m.get("content")));
        }
        ArrayNode blocks = out.putArray("content");
        String text = PromptText.content(m.get("content"));
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : calls) {
            JsonNode input;
            try {
                input = MAPPER.readTree(call.path("function").path("arguments").asText("{}"));
            } catch (JsonProcessingException e) {
                throw ApiError.badRequest("invalid_messages", "tool_calls arguments must be a JSON object");
            }
            blocks.addObject().put("type", "tool_use").put("id", call.path("id").asText())
                    .put("name", call.path("function").path("name").asText()).set("input", input);
        }
        return out;
    }

    private static void tools(JsonNode chat, ObjectNode out) {
        JsonNode tools = chat.get("tools");
        if (tools != null && tools.isArray() && !tools.isEmpty()) {
            ArrayNode list = out.putArray("tools");
            for (JsonNode tool : tools) {
                JsonNode f = tool.path("function");
                ObjectNode t = list.addObject().put("name", f.path("name").asText());
                if (f.hasNonNull("description")) {
                    t.put("description", f.path("description").asText());
                }
                t.set("input_schema", f.hasNonNull("parameters") ? f.get("parameters")
                        : NODES.objectNode().put("type", "object"));
            }
        }
        JsonNode choice = chat.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> out.putObject("tool_choice").put("type", "auto");
                case "required" -> out.putObject("tool_choice").put("type", "any");
                case "none" -> out.putObject("tool_choice").put("type", "none");
                default -> throw ApiError.badRequest("invalid_tool_choice", "tool_choice must be auto, required, none "
                        + "or a function");
            }
        } else {
            out.putObject("tool_choice").put("type", "tool").put("name", choice.path("function").path("name").asText());
        }
    }

    /** A whole Anthropic message as an OpenAI chat completion. */
    static ObjectNode reply(JsonNode message, String clientModel) {
        ObjectNode out = NODES.objectNode().put("id", "chatcmpl-" + message.path("id").asText())
                .put("object", "chat.completion").put("created", Instant.now().getEpochSecond()).put("model", clientModel);
        ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
        ObjectNode msg = choice.putObject("message").put("role", "assistant");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = NODES.arrayNode();
        for (JsonNode block : message.path("content")) {
            switch (block.path("type").asText()) {
                case "text" -> text.append(block.path("text").asText());
                case "tool_use" -> calls.add(toolCall(block).put("index", calls.size()));
                default -> {
                    // thinking and other blocks have no chat completion field
                }
            }
        }
        msg.put("content", text.isEmpty() && !calls.isEmpty() ? null : text.toString());
        if (!calls.isEmpty()) {
            calls.forEach(c -> ((ObjectNode) c).remove("index"));
            msg.set("tool_calls", calls);
        }
        choice.put("finish_reason", finishReason(message.path("stop_reason").asText(null)));
        // Required by OpenAI's schema, and null here: Claude gives no log probabilities, and a refusal is a stop.
        msg.putNull("refusal");
        choice.putNull("logprobs");
        out.set("usage", usage(message.path("usage"), message.path("usage")));
        return out;
    }

    private static ObjectNode toolCall(JsonNode block) {
        ObjectNode call = NODES.objectNode().put("id", block.path("id").asText()).put("type", "function");
        call.putObject("function").put("name", block.path("name").asText())
                .put("arguments", block.path("input").isMissingNode() ? "{}" : block.path("input").toString());
        return call;
    }

    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop";  // end_turn, stop_sequence, pause_turn
        };
    }

    /** OpenAI usage from Anthropic's input (with cache reads and writes, as billed) and output counts. */
    private static ObjectNode usage(JsonNode input, JsonNode output) {
        long prompt = input.path("input_tokens").asLong(0) + input.path("cache_creation_input_tokens").asLong(0)
                + input.path("cache_read_input_tokens").asLong(0);
        long completion = output.path("output_tokens").asLong(0);
        return NODES.objectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    /** Turns an Anthropic event stream into chat completion chunks, one event at a time. */
    static final class Stream implements StreamBridge {
        private final String clientModel;
        private final boolean includeUsage;
        private final long created = Instant.now().getEpochSecond();
        private String id = "chatcmpl-anthropic";
        private JsonNode inputUsage = NODES.objectNode();
        private final List<Integer> toolBlocks = new ArrayList<>();

        Stream(String clientModel, boolean includeUsage) {
            this.clientModel = clientModel;
            this.includeUsage = includeUsage;
        }

        @Override
        public byte[] event(JsonNode upstreamEvent) {
            StringBuilder out = new StringBuilder();
            chunks(upstreamEvent).forEach(c -> out.append("data: ").append(c).append("\n\n"));
            return out.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }

        @Override
        public byte[] end() {
            return "data: [DONE]\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }

        /** The chunks (JSON) an Anthropic event becomes: none for pings and block ends. */
        List<String> chunks(JsonNode event) {
            List<String> out = new ArrayList<>(2);
            switch (event.path("type").asText()) {
                case "message_start" -> {
                    id = "chatcmpl-" + event.path("message").path("id").asText();
                    inputUsage = event.path("message").path("usage");
                    out.add(chunk(NODES.objectNode().put("role", "assistant").put("content", ""), null));
                }
                case "content_block_start" -> {
                    JsonNode block = event.path("content_block");
                    if ("tool_use".equals(block.path("type").asText())) {
                        toolBlocks.add(event.path("index").asInt());
                        ObjectNode call = toolCall(block).put("index", toolBlocks.size() - 1);
                        ((ObjectNode) call.get("function")).put("arguments", "");
                        ObjectNode delta = NODES.objectNode();
                        delta.putArray("tool_calls").add(call);
                        out.add(chunk(delta, null));
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = event.path("delta");
                    if ("text_delta".equals(delta.path("type").asText())) {
                        out.add(chunk(NODES.objectNode().put("content", delta.path("text").asText()), null));
                    } else if ("input_json_delta".equals(delta.path("type").asText())) {
                        ObjectNode d = NODES.objectNode();
                        ObjectNode call = d.putArray("tool_calls").addObject()
                                .put("index", toolBlocks.indexOf(event.path("index").asInt()));
                        call.putObject("function").put("arguments", delta.path("partial_json").asText());
                        out.add(chunk(d, null));
                    }
                }
                case "message_delta" -> {
                    out.add(chunk(NODES.objectNode(), finishReason(event.path("delta").path("stop_reason").asText(null))));
                    if (includeUsage) {
                        ObjectNode last = NODES.objectNode().put("id", id).put("object", "chat.completion.chunk")
                                .put("created", created).put("model", clientModel);
                        last.putArray("choices");
                        last.set("usage", usage(inputUsage, event.path("usage")));
                        out.add(last.toString());
                    }
                }
                case "error" -> out.add(NODES.objectNode().set("error", event.path("error")).toString());
                default -> {
                    // ping, content_block_stop, message_stop: nothing for the client
                }
            }
            return out;
        }

        private String chunk(ObjectNode delta, String finishReason) {
            ObjectNode c = NODES.objectNode().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                    .put("model", clientModel);
            c.putArray("choices").addObject().put("index", 0).<ObjectNode>set("delta", delta)
                    .put("finish_reason", finishReason);
            return c.toString();
        }
    }
}
