package io.tollgate.gateway.proxy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.http.ApiError;

/**
 * Anthropic Messages served by an OpenAI-format model: the request becomes a chat completion request,
 * the reply (whole, or chunk by chunk) an Anthropic message and its event stream, so an Anthropic SDK
 * can call any model. The mirror of {@link AnthropicBridge}; the proxy meters the OpenAI side.
 */
final class OpenAiBridge {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final List<String> FIELDS = List.of("model", "messages", "max_tokens", "system", "temperature", "top_p",
            "stop_sequences", "stream", "metadata", "tools", "tool_choice");

    private OpenAiBridge() {
    }

    /** The chat completion request for a Messages request; 400 for what an OpenAI model cannot do (top_k, thinking). */
    static ObjectNode request(ObjectNode messages, String upstreamModel) {
        messages.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                throw ApiError.badRequest("unsupported_parameter", f + " cannot be sent to a model on an OpenAI provider");
            }
        });
        ObjectNode out = NODES.objectNode().put("model", upstreamModel);
        ArrayNode chat = out.putArray("messages");
        JsonNode system = messages.get("system");
        if (system != null && !system.isNull()) {
            chat.addObject().put("role", "system").put("content", PromptText.content(system));
        }
        for (JsonNode m : messages.path("messages")) {
            String role = m.path("role").asText();
            if (!role.equals("user") && !role.equals("assistant")) {
                throw ApiError.badRequest("invalid_messages", "message role must be user or assistant, not " + role);
            }
            JsonNode content = m.get("content");
            if (content == null || content.isTextual()) {
                chat.addObject().put("role", role).put("content", content == null ? "" : content.asText());
            } else if (role.equals("user")) {
                user(content, chat);
            } else {
                chat.add(assistant(content));
            }
        }
        out.put("max_tokens", messages.path("max_tokens").asLong());
        for (String f : List.of("temperature", "top_p", "stream")) {
            if (messages.hasNonNull(f)) {
                out.set(f, messages.get(f));
            }
        }
        if (messages.path("stream").asBoolean(false)) {
            out.putObject("stream_options").put("include_usage", true);
        }
        if (messages.get("stop_sequences") instanceof ArrayNode stops && !stops.isEmpty()) {
            out.set("stop", stops);
        }
        if (messages.path("metadata").path("user_id").isTextual()) {
            out.put("user", messages.path("metadata").path("user_id").asText());
        }
        tools(messages, out);
        return out;
    }

    /** User blocks: text and images in one message, each tool result a message of its own (role tool). */
    private static void user(JsonNode blocks, ArrayNode chat) {
        ArrayNode parts = NODES.arrayNode();
        for (JsonNode b : blocks) {
            switch (b.path("type").asText()) {
                case "text" -> parts.addObject().put("type", "text").put("text", b.path("text").asText());
                case "image" -> {
                    JsonNode source = b.path("source");
                    String url = "base64".equals(source.path("type").asText())
                            ? "data:" + source.path("media_type").asText() + ";base64," + source.path("data").asText()
                            : source.path("url").asText();
                    parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
                }
                case "tool_result" -> chat.addObject().put("role", "tool").put("tool_call_id", b.path("tool_use_id").asText())
                        .put("content", PromptText.content(b.get("content")));
                default -> throw ApiError.badRequest("unsupported_parameter", "content block " + b.path("type").asText()
                        + " cannot be sent to a model on an OpenAI provider");
            }
        }
        if (!parts.isEmpty()) {
            chat.addObject().put("role", "user").set("content", parts);
        }
    }

    private static ObjectNode assistant(JsonNode blocks) {
        ObjectNode out = NODES.objectNode().put("role", "assistant");
        StringBuilder text = new StringBuilder();
        ArrayNode calls = NODES.arrayNode();
        for (JsonNode b : blocks) {
            switch (b.path("type").asText()) {
                case "text" -> text.append(b.path("text").asText());
                case "tool_use" -> {
                    ObjectNode call = calls.addObject().put("id", b.path("id").asText()).put("type", "function");
                    call.putObject("function").put("name", b.path("name").asText())
                            .put("arguments", b.path("input").isMissingNode() ? "{}" : b.path("input").toString());
                }
                default -> throw ApiError.badRequest("unsupported_parameter", "content block " + b.path("type").asText()
                        + " cannot be sent to a model on an OpenAI provider");
            }
        }
        out.put("content", text.toString());
        if (!calls.isEmpty()) {
            out.set("tool_calls", calls);
        }
        return out;
    }

    private static void tools(JsonNode messages, ObjectNode out) {
        if (messages.get("tools") instanceof ArrayNode tools && !tools.isEmpty()) {
            ArrayNode list = out.putArray("tools");
            for (JsonNode t : tools) {
                ObjectNode f = list.addObject().put("type", "function").putObject("function").put("name", t.path("name").asText());
                if (t.hasNonNull("description")) {
                    f.put("description", t.path("description").asText());
                }
                f.set("parameters", t.hasNonNull("input_schema") ? t.get("input_schema") : NODES.objectNode().put("type", "object"));
            }
        }
        JsonNode choice = messages.get("tool_choice");
        if (choice == null || choice.isNull()) {
            return;
        }
        switch (choice.path("type").asText()) {
            case "auto" -> out.put("tool_choice", "auto");
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> out.putObject("tool_choice").put("type", "function").putObject("function")
                    .put("name", choice.path("name").asText());
            default -> throw ApiError.badRequest("invalid_tool_choice", "tool_choice.type must be auto, any, tool or none");
        }
    }

    /** A whole chat completion as an Anthropic message. */
    static ObjectNode reply(JsonNode chat, String clientModel) {
        JsonNode choice = chat.path("choices").path(0);
        ObjectNode out = NODES.objectNode().put("id", "msg_" + chat.path("id").asText()).put("type", "message")
                .put("role", "assistant").put("model", clientModel);
        ArrayNode content = out.putArray("content");
        String text = PromptText.content(choice.path("message").get("content"));
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : choice.path("message").path("tool_calls")) {
            content.add(toolUse(call.path("id").asText(), call.path("function").path("name").asText(),
                    input(call.path("function").path("arguments").asText("{}"))));
        }
        out.put("stop_reason", stopReason(choice.path("finish_reason").asText(null)));
        out.putNull("stop_sequence");
        out.putObject("usage").put("input_tokens", chat.path("usage").path("prompt_tokens").asLong(0))
                .put("output_tokens", chat.path("usage").path("completion_tokens").asLong(0));
        return out;
    }

    private static ObjectNode toolUse(String id, String name, JsonNode input) {
        ObjectNode block = NODES.objectNode().put("type", "tool_use").put("id", id).put("name", name);
        block.set("input", input);
        return block;
    }

    private static JsonNode input(String arguments) {
        try {
            return MAPPER.readTree(arguments);
        } catch (java.io.IOException e) {
            return NODES.objectNode();  // a model's broken arguments: an empty input rather than no reply
        }
    }

    static String stopReason(String finishReason) {
        if (finishReason == null) {
            return null;
        }
        return switch (finishReason) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /** Turns chat completion chunks into Anthropic's event stream. */
    static final class Stream implements StreamBridge {
        private final String clientModel;
        private boolean started;
        private int nextBlock;
        /** The block being written: -1 none; text blocks and each tool call get their own index. */
        private int openBlock = -1;
        private boolean textOpen;
        private final Map<Integer, Integer> toolBlocks = new HashMap<>();
        private String stopReason;
        private JsonNode usage = NODES.objectNode();

        Stream(String clientModel) {
            this.clientModel = clientModel;
        }

        @Override
        public byte[] event(JsonNode chunk) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!started) {
                started = true;
                ObjectNode start = NODES.objectNode().put("type", "message_start");
                ObjectNode msg = start.putObject("message").put("id", "msg_" + chunk.path("id").asText())
                        .put("type", "message").put("role", "assistant").put("model", clientModel);
                msg.putArray("content");
                msg.putNull("stop_reason");
                msg.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
                write(out, "message_start", start);
            }
            if (chunk.path("usage").isObject()) {
                usage = chunk.get("usage");
            }
            for (JsonNode choice : chunk.path("choices")) {
                JsonNode delta = choice.path("delta");
                if (delta.path("content").isTextual() && !delta.path("content").asText().isEmpty()) {
                    if (!textOpen) {
                        open(out, NODES.objectNode().put("type", "text").put("text", ""));
                        textOpen = true;
                    }
                    ObjectNode d = NODES.objectNode().put("type", "content_block_delta").put("index", openBlock);
                    d.putObject("delta").put("type", "text_delta").put("text", delta.path("content").asText());
                    write(out, "content_block_delta", d);
                }
                for (JsonNode call : delta.path("tool_calls")) {
                    int tool = call.path("index").asInt();
                    if (!toolBlocks.containsKey(tool)) {
                        open(out, toolUse(call.path("id").asText(), call.path("function").path("name").asText(),
                                NODES.objectNode()));
                        textOpen = false;
                        toolBlocks.put(tool, openBlock);
                    }
                    String args = call.path("function").path("arguments").asText("");
                    if (!args.isEmpty()) {
                        ObjectNode d = NODES.objectNode().put("type", "content_block_delta").put("index", toolBlocks.get(tool));
                        d.putObject("delta").put("type", "input_json_delta").put("partial_json", args);
                        write(out, "content_block_delta", d);
                    }
                }
                if (choice.path("finish_reason").isTextual()) {
                    stopReason = stopReason(choice.path("finish_reason").asText());
                    close(out);
                }
            }
            return out.toByteArray();
        }

        @Override
        public byte[] end() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            close(out);
            ObjectNode delta = NODES.objectNode().put("type", "message_delta");
            delta.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason).putNull("stop_sequence");
            delta.putObject("usage").put("input_tokens", usage.path("prompt_tokens").asLong(0))
                    .put("output_tokens", usage.path("completion_tokens").asLong(0));
            write(out, "message_delta", delta);
            write(out, "message_stop", NODES.objectNode().put("type", "message_stop"));
            return out.toByteArray();
        }

        private void open(ByteArrayOutputStream out, ObjectNode block) {
            close(out);
            openBlock = nextBlock++;
            ObjectNode start = NODES.objectNode().put("type", "content_block_start").put("index", openBlock);
            start.set("content_block", block);
            write(out, "content_block_start", start);
        }

        private void close(ByteArrayOutputStream out) {
            if (openBlock >= 0) {
                write(out, "content_block_stop", NODES.objectNode().put("type", "content_block_stop").put("index", openBlock));
                openBlock = -1;
                textOpen = false;
            }
        }

        private static void write(ByteArrayOutputStream out, String event, JsonNode data) {
            out.writeBytes(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
