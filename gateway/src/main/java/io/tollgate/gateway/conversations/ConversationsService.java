package io.tollgate.gateway.conversations;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tollgate.gateway.auth.Access;
import io.tollgate.gateway.auth.Guard;
import io.tollgate.gateway.auth.Principal;
import io.tollgate.gateway.conversations.Conversations.Conversation;
import io.tollgate.gateway.http.ApiError;
import io.tollgate.gateway.http.Json;
import io.tollgate.gateway.http.Validation;

/** {@code /v1/sessions} (seed 002): create, list, get (with its turns), rename, delete and reset conversations. */
public final class ConversationsService implements HttpService {
    private final Guard guard;
    private final Json json;
    private final Conversations conversations;

    public ConversationsService(Guard guard, Json json, Conversations conversations) {
        this.guard = guard;
        this.json = json;
        this.conversations = conversations;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create)
                .get("/", (req, res) -> Json.send(res, 200, Map.of("data", conversations.list(guard.require(req, Access.OWN_READ).userId())
                        .stream().map(ConversationsService::view).toList())))
                .get("/{id}", this::get)
                .put("/{id}", this::rename)
                .delete("/{id}", (req, res) -> {
                    conversations.delete(guard.require(req, Access.INVOKE).userId(), Conversations.id(req.path().pathParameters().get("id")));
                    Json.noContent(res);
                })
                .post("/{id}/reset", (req, res) -> Json.send(res, 200, view(conversations.reset(guard.require(req, Access.INVOKE).userId(),
                        Conversations.id(req.path().pathParameters().get("id"))))));
    }

    private void create(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.INVOKE);
        String title = req.content().hasEntity() ? title(json.readObject(req), false) : "";
        Json.send(res, 201, view(conversations.create(caller.userId(), title)));
    }

    private void get(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.OWN_READ);
        Conversation c = conversations.find(caller.userId(), Conversations.id(req.path().pathParameters().get("id")));
        Map<String, Object> out = view(c);
        out.put("messages", conversations.turns(caller.userId(), c.id()));
        Json.send(res, 200, out);
    }

    private void rename(ServerRequest req, ServerResponse res) {
        Principal caller = guard.require(req, Access.INVOKE);
        // Another user's session is a 404 whatever the body says: the body is read only for one's own.
        Conversation c = conversations.find(caller.userId(), Conversations.id(req.path().pathParameters().get("id")));
        Json.send(res, 200, view(conversations.rename(caller.userId(), c.id(), title(json.readObject(req), true))));
    }

    private static String title(ObjectNode body, boolean required) {
        for (var it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("title")) {
                throw ApiError.badRequest("invalid_request", "unknown field " + f + "; a session has a title only");
            }
        }
        JsonNode t = body.get("title");
        if (t == null || t.isNull()) {
            if (required) {
                throw ApiError.badRequest("missing_field", "title is required");
            }
            return "";
        }
        if (!t.isTextual()) {
            throw ApiError.badRequest("invalid_field", "title must be a string");
        }
        return Validation.text("title", t.asText(), 200);
    }

    private static Map<String, Object> view(Conversation c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("session_id", c.id().toString());
        out.put("title", c.title());
        out.put("message_count", c.turns());
        out.put("created_at", c.createdAt().toString());
        out.put("updated_at", c.updatedAt().toString());
        return out;
    }
}
