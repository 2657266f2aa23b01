package io.tollgate.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.auth.KeyPolicy;
import io.tollgate.gateway.auth.Scopes;
import io.tollgate.gateway.identity.UserDirectory;

/**
 * What {@code up --demo} fills on first start so the console has something to show: a small
 * organisation (a finance lead, an administrator, four people in four cost centres), budgeted
 * virtual keys for their agents, prepaid credits, and a few hundred real calls through the gateway
 * to the mock upstream (chat, Anthropic messages, embeddings; some prompts repeated, as real
 * agents do). Everything goes through the public HTTP API with a setup key that is revoked at the
 * end, so the ledger holds exactly what a real organisation's would. Skipped when already there.
 */
public final class DemoOrganisation {
    public static final String FINANCE_LOGIN = "finance@acme.example";
    public static final String ADMIN_LOGIN = "admin@acme.example";
    public static final String PASSWORD = "tollgate-demo";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Person(String email, String name, String role, int creditsUsd) {
    }

    private record Agent(String key, String owner, String costCentre, String project, String env, String capUsd, int calls,
                         String model) {
    }

    private static final List<Person> PEOPLE = List.of(
            new Person(FINANCE_LOGIN, "Fiona Fischer", "finance", 0),
            new Person(ADMIN_LOGIN, "Ada Adams", "admin", 0),
            new Person("maya@acme.example", "Maya Patel", "user", 200),
            new Person("sam@acme.example", "Sam Okafor", "user", 100),
            new Person("lee@acme.example", "Lee Novak", "user", 50),
            new Person("ravi@acme.example", "Ravi Iyer", "user", 25));

    /** Caps sized to the mock's small replies, so the budgets page shows keys near, under and at their cap. */
    private static final List<Agent> AGENTS = List.of(
            new Agent("ide-copilot", "maya@acme.example", "Engineering", "developer-tools", "prod", "0.10", 90, "demo-claude"),
            new Agent("code-review", "maya@acme.example", "Engineering", "developer-tools", "staging", "0.05", 40, "demo-chat"),
            new Agent("support-triage", "sam@acme.example", "Support", "helpdesk", "prod", "0.02", 80, "demo-chat"),
            new Agent("campaign-writer", "lee@acme.example", "Marketing", "campaigns", "prod", "0.04", 50, "demo-claude"),
            new Agent("report-summariser", "ravi@acme.example", "Data", "analytics", "dev", "0.01", 30, "demo-embed"));

    private static final List<String> PROMPTS = List.of(
            "Summarise this customer ticket and suggest a reply: the invoice for October was charged twice and the "
                    + "customer wants a refund of the second charge before the end of the week",
            "Review this pull request diff for concurrency bugs in the connection pool and explain each finding briefly",
            "Write three subject lines for the winter campaign announcing usage based pricing for teams",
            "Classify the sentiment and urgency of this message: our dashboards have been empty since this morning",
            "Explain what this SQL query does and whether the index on account and sequence number is used",
            "Draft a short status update for the weekly engineering review covering the gateway rollout");

    private final HttpClient http = HttpClient.newHttpClient();
    private final String base;
    private final String setupKey;

    private DemoOrganisation(String base, String setupKey) {
        this.base = base;
        this.setupKey = setupKey;
    }

    /** Fills the organisation unless it is there already; true when it was created now. */
    public static boolean ensure(Gateway gateway) {
        UserDirectory directory = gateway.directory();
        if (directory.userByEmail(FINANCE_LOGIN).isPresent()) {
            return false;
        }
        long admin = directory.firstAdmin().orElseThrow().id();
        UserDirectory.IssuedKey setup = directory.issueKey(admin, admin, new UserDirectory.KeySpec("demo organisation setup",
                new LinkedHashSet<>(List.of(Scopes.ADMIN, Scopes.INVOKE, Scopes.MODEL_ANY)), "live", null, null, null, null,
                KeyPolicy.NONE), null);
        try {
            new DemoOrganisation("http://127.0.0.1:" + gateway.port(), setup.secret()).fill();
        } finally {
            directory.revokeKey(admin, setup.key().id(), "demo organisation filled");
        }
        return true;
    }

    private void fill() {
        for (Person p : PEOPLE) {
            ObjectNode user = JSON.createObjectNode().put("email", p.email()).put("name", p.name()).put("role", p.role())
                    .put("password", PASSWORD);
            long id = send("POST", "/api/users", setupKey, user).get("id").asLong();
            if (p.creditsUsd() > 0) {
                send("POST", "/api/admin/credits", setupKey, JSON.createObjectNode().put("user_id", id)
                        .put("amount", p.creditsUsd()).put("reason", "Opening balance").put("idempotency_key", "demo-" + p.email()));
            }
        }
        List<Callable> calls = new ArrayList<>();
        for (Agent a : AGENTS) {
            ObjectNode spec = JSON.createObjectNode().put("name", a.key()).put("user_email", a.owner())
                    .put("cost_centre", a.costCentre()).put("project", a.project()).put("agent_name", a.key())
                    .put("environment", a.env()).put("monthly_budget_cap", new java.math.BigDecimal(a.capUsd()));
            String key = send("POST", "/api/admin/virtual-keys", setupKey, spec).get("key").asText();
            for (int i = 0; i < a.calls(); i++) {
                // Every fourth call repeats the agent's previous prompt: the waste the overview shows.
                String prompt = PROMPTS.get((i % 4 == 3 ? i - 1 : i) * 7 % PROMPTS.size()) + " (case " + (i % 4 == 3 ? i - 1 : i) + ")";
                calls.add(new Callable(key, a.model(), prompt));
            }
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (Callable c : calls) {
                done.add(pool.submit(() -> call(c)));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException("demo calls failed", e);
        }
    }

    private record Callable(String key, String model, String prompt) {
    }

    /** One call as the agent's SDK would make it; a refusal by the agent's own budget is part of the story. */
    private void call(Callable c) {
        ObjectNode body = JSON.createObjectNode().put("model", c.model());
        String path;
        if (c.model().equals("demo-embed")) {
            path = "/v1/embeddings";
            body.put("input", c.prompt());
        } else if (c.model().equals("demo-claude")) {
            path = "/v1/messages";
            body.put("max_tokens", 512).putArray("messages").addObject().put("role", "user").put("content", c.prompt());
        } else {
            path = "/v1/chat/completions";
            body.putArray("messages").addObject().put("role", "user").put("content", c.prompt());
        }
        HttpResponse<String> r = exchange("POST", path, c.key(), body);
        if (r.statusCode() != 200 && r.statusCode() != 402 && r.statusCode() != 429) {
            throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
        }
    }

    private com.fasterxml.jackson.databind.JsonNode send(String method, String path, String key, ObjectNode body) {
        HttpResponse<String> r = exchange(method, path, key, body);
        if (r.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> exchange(String method, String path, String key, ObjectNode body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key)
                    .header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
