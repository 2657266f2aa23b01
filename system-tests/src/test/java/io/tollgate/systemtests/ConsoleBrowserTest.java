package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

import com.fasterxml.jackson.databind.JsonNode;

import io.tollgate.devstack.DemoCatalog;
import io.tollgate.devstack.DemoOrganisation;
import io.tollgate.devstack.MockUpstream;

/**
 * The console in a real headless Chromium against the whole stack (gateway, Kafka, projector,
 * Postgres, the mock upstream): finance, an administrator and an ordinary user walk their flows
 * through the pages, and every figure on screen is checked against the API. Each test leaves a
 * screenshot of what it checked in target/screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserTest {
    private static final String PASSWORD = "correct-horse-battery";
    private EventFlow flow;
    private Api api;
    private Browser browser;
    private long uma;
    private long otto;
    private MockUpstream demoUpstream;

    @BeforeAll
    void start() {
        flow = new EventFlow(TestStack.kafka().bootstrap());
        api = flow.api;
        Catalog.register(api);
        uma = user("uma@acme.test", "Uma User", "user");
        otto = user("otto@acme.test", "Otto Other", "user");
        calls(virtualKey(uma, "eng-assistant", "Engineering", 40), 4);
        calls(virtualKey(otto, "support-bot", "Support", 10), 3);
        // The organisation `up --demo` fills, through the same public API, for believable pages.
        demoUpstream = MockUpstream.start(0, DemoCatalog.UPSTREAM_KEY);
        DemoCatalog.ensure(flow.gateway, demoUpstream.baseUrl());
        assertTrue(DemoOrganisation.ensure(flow.gateway));
        assertFalse(DemoOrganisation.ensure(flow.gateway), "filled twice");
        flow.awaitProjected(60);
        browser = new Browser(api.base());
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        flow.close();
        demoUpstream.close();
    }

    @Test
    void financeOverviewShowsTheApisNumbersAndFiltersByCostCentreInTheUrl() {
        browser.signIn(DemoOrganisation.FINANCE_LOGIN, DemoOrganisation.PASSWORD);
        browser.waitFor(By.id("tiles"));
        browser.waitFor(By.cssSelector("#daily-chart .uplot"));
        String period = "from=" + LocalDate.now(ZoneOffset.UTC).minusDays(29) + "&to=" + LocalDate.now(ZoneOffset.UTC);
        JsonNode all = api.get("/api/metrics/overview?" + period, TestStack.ADMIN_KEY).json();
        assertEquals(usd(all.at("/cost/spend_mtd").decimalValue()), tile("Month to date"));
        assertEquals(usd(all.at("/cost/spend_today").decimalValue()), tile("Spend today"));
        assertEquals(usd(all.at("/cost/forecasted_month_end").decimalValue()), tile("Month-end forecast"));
        assertEquals(all.at("/cost/total_requests").asText(), tile("Requests in period"));
        browser.screenshot("overview");

        JsonNode support = api.get("/api/metrics/overview?" + period + "&cost_centre=Support", TestStack.ADMIN_KEY).json();
        String supportRequests = "Requests in period\n" + support.at("/cost/total_requests").asText();
        assertTrue(support.at("/cost/total_requests").asLong() < all.at("/cost/total_requests").asLong());
        new Select(browser.waitFor(By.id("filter-cost-centre"))).selectByVisibleText("Support");
        browser.waitForText(By.id("tiles"), supportRequests);
        assertTrue(browser.driver.getCurrentUrl().contains("cost_centre=Support"), browser.driver.getCurrentUrl());
        BigDecimal spend = BigDecimal.ZERO;
        for (JsonNode m : support.get("by_model")) {
            spend = spend.add(m.get("total_cost").decimalValue());
        }
        assertEquals(usd(spend), tile("Spend in period"));
        // The shared URL opens the same filtered view.
        String shared = browser.driver.getCurrentUrl();
        browser.driver.navigate().refresh();
        browser.waitForText(By.id("tiles"), supportRequests);
        assertEquals(shared, browser.driver.getCurrentUrl());
        assertTrue(browser.waitFor(By.id("export-spend")).getAttribute("href").contains("cost_centre=Support"));
        browser.screenshot("overview-filtered");
        assertNoCspViolations();
    }

    @Test
    void financeOpensAnEventsLedgerRecordAndExportsWhatIsOnScreen() throws Exception {
        browser.signIn(DemoOrganisation.FINANCE_LOGIN, DemoOrganisation.PASSWORD);
        browser.open("#/events");
        List<WebElement> rows = browser.waitFor(By.cssSelector("tr.clickable")).findElements(By.xpath("../tr"));
        assertEquals(api.get("/api/admin/usage-events?limit=50", TestStack.ADMIN_KEY).json().size(), rows.size());
        String seq = rows.get(0).findElement(By.tagName("td")).getText();
        rows.get(0).click();
        WebElement record = browser.waitFor(By.id("ledger-record"));
        assertTrue(record.getText().contains("\"seq\": " + seq), record.getText());
        assertTrue(record.getText().contains("UsageRecorded"), record.getText());
        browser.screenshot("event-record");
        // From the keyboard: a focused row opens with Enter.
        String second = rows.get(1).findElement(By.tagName("td")).getText();
        rows.get(1).sendKeys(org.openqa.selenium.Keys.ENTER);
        browser.waitForText(By.id("event-detail"), "Event seq " + second);

        Path csv = browser.downloads.resolve("usage-events.csv");
        Files.deleteIfExists(csv);
        browser.driver.findElements(By.xpath("//button[text()='Export CSV']")).getFirst().click();
        TestStack.await("the CSV download", 20, () -> Files.exists(csv));
        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.getFirst().startsWith("Seq,Time,Model"), lines.getFirst());
        assertEquals(rows.size() + 1, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(1).startsWith(seq + ","), lines.get(1));
    }

    @Test
    void financeCreatesABudgetedVirtualKeyAndTopsUpCredits() {
        browser.signIn(DemoOrganisation.FINANCE_LOGIN, DemoOrganisation.PASSWORD);
        browser.open("#/budgets");
        browser.waitForText(By.tagName("main"), "campaign-writer");
        browser.screenshot("budgets");
        browser.type(By.name("name"), "marketing-writer");
        browser.type(By.name("user_email"), "uma@acme.test");
        browser.type(By.name("cost_centre"), "Marketing");
        browser.type(By.name("monthly_budget_cap"), "15");
        browser.submit("new-virtual-key");
        String secret = browser.waitFor(By.cssSelector(".secret code")).getText();
        assertTrue(secret.startsWith("vk_"), secret);
        JsonNode created = null;
        for (JsonNode k : api.get("/api/admin/virtual-keys", TestStack.ADMIN_KEY).json()) {
            if (k.get("name").asText().equals("marketing-writer")) {
                created = k;
            }
        }
        assertEquals(0, new BigDecimal("15").compareTo(created.get("monthly_budget_cap").decimalValue()));
        assertEquals("Marketing", created.get("cost_centre").asText());
        // The secret works, and is charged to the new budget.
        assertEquals(200, api.post("/v1/chat/completions", secret, Catalog.chatBody("chat", "hello", false)).status());

        BigDecimal before = balance(uma).get("credits").decimalValue();
        browser.open("#/credits");
        new Select(browser.waitFor(By.name("account_id"))).selectByVisibleText("uma@acme.test");
        browser.type(By.name("amount"), "25");
        browser.type(By.name("reason"), "Invoice 118");
        browser.submit("top-up");
        browser.waitForText(By.id("toast"), "Added $25.00");
        assertEquals(0, before.add(new BigDecimal("25")).compareTo(balance(uma).get("credits").decimalValue()));
        flow.awaitProjected(30);
        browser.open("#/credits?at=1");
        browser.waitForText(By.tagName("main"), "Invoice 118");
        browser.screenshot("credits");
    }

    @Test
    void financeOpensAStatementAndVerifiesItAgainstTheLedger() {
        String month = LocalDate.now(ZoneOffset.UTC).toString().substring(0, 7);
        flow.awaitProjected(30);
        long maya = userId("maya@acme.example");
        browser.signIn(DemoOrganisation.FINANCE_LOGIN, DemoOrganisation.PASSWORD);
        browser.open("#/statements?account_id=" + maya + "&month=" + month);
        JsonNode statement = api.get("/api/ledger/statements?account_id=" + maya + "&month=" + month, TestStack.ADMIN_KEY).json();
        assertEquals(usd(statement.get("closing_balance").decimalValue()), browser.waitFor(By.id("closing")).getText());
        assertTrue(browser.waitFor(By.id("statement")).getText().contains("seq " + statement.at("/seq_range/first_seq").asLong()));
        browser.driver.findElement(By.id("verify")).click();
        browser.waitForText(By.id("verify-result"), "Verified");
        assertTrue(browser.waitFor(By.id("verify-result")).getText().contains("replaying"));
        browser.screenshot("statement");
    }

    @Test
    void anAdministratorAddsAProviderAndPricesAModel() {
        browser.signIn(DemoOrganisation.ADMIN_LOGIN, DemoOrganisation.PASSWORD);
        browser.open("#/providers");
        browser.type(By.name("name"), "acme-openai");
        browser.type(By.name("base_url"), TestStack.mock().baseUrl());
        browser.type(By.name("api_key"), TestStack.UPSTREAM_KEY);
        browser.submit("new-provider");
        browser.waitForText(By.tagName("main"), "acme-openai");
        long id = Catalog.providerId(api, "acme-openai");
        browser.waitFor(By.cssSelector("button[aria-label='Refresh models of acme-openai']")).click();
        browser.waitForText(By.id("toast"), "acme-openai:");
        JsonNode provider = api.get("/api/providers/" + id, TestStack.ADMIN_KEY).json();
        assertTrue(provider.toString().contains("mock-chat"), provider.toString());
        browser.waitForText(By.id("toast"), "acme-openai: " + provider.get("runtime_models").size() + " models listed");
        browser.screenshot("providers");

        browser.open("#/models");
        new Select(browser.waitFor(By.name("model"))).selectByValue("embed");
        browser.type(By.name("input"), "0.2");
        browser.type(By.name("output"), "0");
        browser.submit("set-price");
        browser.waitForText(By.id("toast"), "Price of embed set");
        JsonNode embed = api.get("/v1/models/embed", TestStack.ADMIN_KEY).json();
        assertEquals(0, new BigDecimal("0.2").compareTo(embed.at("/pricing/input_per_million").decimalValue()), embed.toString());
        browser.waitForText(By.tagName("main"), "$0.20 / 1M");
        browser.screenshot("models");

        // An administrator rotates someone else's key: the new secret is shown once and works.
        browser.open("#/keys?user_id=" + userId("maya@acme.example"));
        browser.waitFor(By.cssSelector("button[aria-label='Rotate ide-copilot']")).click();
        String rotated = browser.waitFor(By.cssSelector(".secret code")).getText();
        assertTrue(rotated.startsWith("vk_"), rotated);
        assertEquals(200, api.post("/v1/chat/completions", rotated, Catalog.chatBody("demo-chat", "after rotation", false)).status());

        // The other administrator pages render from their API without an error, every control labelled.
        for (String page : List.of("#/users", "#/plans", "#/health", "#/keys", "#/account", "#/audit")) {
            browser.open(page);
            browser.waitFor(By.cssSelector("main h1 + *:not(.muted)"));
            assertTrue(browser.driver.findElements(By.cssSelector("main > p.error")).isEmpty(),
                    page + ": " + browser.driver.findElement(By.tagName("main")).getText());
            assertAllControlsLabelled(page);
        }
        browser.open("#/health");
        browser.waitForText(By.id("health-tiles"), "accepting");
        browser.screenshot("health");
        assertNoCspViolations();
    }

    @Test
    void aUserSeesOnlyTheirOwnDataAndNoAdminPage() {
        browser.signIn("uma@acme.test", PASSWORD);
        String nav = browser.waitFor(By.id("nav")).getText();
        assertFalse(nav.contains("Users") || nav.contains("Budgets") || nav.contains("Credits") || nav.contains("Health"), nav);
        browser.open("#/users");
        browser.waitForText(By.tagName("main"), "Not available");
        browser.open("#/events");
        List<WebElement> rows = browser.waitFor(By.cssSelector("tbody tr")).findElements(By.xpath("../tr"));
        assertFalse(rows.isEmpty());
        for (WebElement row : rows) {
            assertEquals("uma@acme.test", row.findElements(By.tagName("td")).get(3).getText());
        }
        browser.open("#/statements?account_id=" + otto);
        browser.waitForText(By.tagName("main"), "users see only their own statements");
        browser.open("#/account");
        browser.waitFor(By.id("balance"));
        browser.screenshot("user-account");
        assertNoCspViolations();
    }

    @Test
    void aWriteWithoutTheCsrfProofIsRefused() {
        browser.signIn("uma@acme.test", PASSWORD);
        browser.driver.get(api.base() + "/api/auth/me");
        Cookie session = browser.driver.manage().getCookieNamed("session");
        String csrf = readCsrf(browser.driver.findElement(By.tagName("body")).getText());
        String body = "{\"name\":\"from-elsewhere\",\"scopes\":[\"completion:invoke\"]}";
        HttpRequest.Builder noProof = HttpRequest.newBuilder(URI.create(api.base() + "/api/keys"))
                .header("Cookie", "session=" + session.getValue()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        Api.Reply refused = api.send(noProof.build());
        assertEquals(403, refused.status(), refused.body());
        assertEquals("csrf_check_failed", refused.errorCode());
        Api.Reply crossSite = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/keys"))
                .header("Cookie", "session=" + session.getValue()).header("Content-Type", "application/json")
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(403, crossSite.status(), crossSite.body());
        Api.Reply withProof = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/api/keys"))
                .header("Cookie", "session=" + session.getValue()).header("Content-Type", "application/json")
                .header("X-CSRF-Token", csrf).POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(201, withProof.status(), withProof.body());
        // Only the write with the proof made a key: the user's key page lists it once.
        browser.open("#/keys");
        browser.waitForText(By.tagName("main"), "from-elsewhere");
        assertEquals(1, browser.driver.findElements(By.xpath("//main//strong[text()='from-elsewhere']")).size());
        browser.screenshot("keys-after-csrf");

        Api.Reply page = api.get("/console/", null);
        String policy = page.header("Content-Security-Policy");
        assertTrue(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), policy);
        assertFalse(page.body().matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "an inline script in index.html");
        assertEquals(null, browser.script("return window.localStorage.length ? Object.keys(window.localStorage).join() : null"));
    }

    @Test
    void theConsoleLoadsUnder300KbAndWorksAt390PixelsWithLabelledControls() {
        browser.signIn(DemoOrganisation.FINANCE_LOGIN, DemoOrganisation.PASSWORD);
        browser.driver.executeCdpCommand("Network.clearBrowserCache", Map.of());
        browser.open("#/overview");
        browser.driver.navigate().refresh();
        browser.waitFor(By.cssSelector("#daily-chart .uplot"));
        long bytes = ((Number) browser.script("return performance.getEntriesByType('navigation').concat("
                + "performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0)")).longValue();
        assertTrue(bytes > 0 && bytes < 300_000, bytes + " bytes transferred on first load");
        System.out.printf("console first load: %,d bytes transferred%n", bytes);

        for (String page : List.of("#/overview", "#/events", "#/budgets", "#/credits", "#/statements", "#/audit")) {
            browser.open(page);
            browser.waitFor(By.cssSelector("main h1 + *:not(.muted)"));
            assertAllControlsLabelled(page);
        }

        browser.size(390, 844);
        try {
            browser.open("#/overview");
            browser.waitFor(By.cssSelector("#daily-chart .uplot"));
            long overflow = ((Number) browser.script("return document.documentElement.scrollWidth - window.innerWidth")).longValue();
            assertTrue(overflow <= 0, "the page is " + overflow + " px wider than a 390 px screen: " + browser.script(
                    "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
                    + "window.innerWidth).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + "
                    + "Math.round(e.getBoundingClientRect().right)).join(', ')"));
            WebElement menu = browser.waitFor(By.id("menu-toggle"));
            assertFalse(browser.driver.findElement(By.cssSelector("a[href='#/budgets']")).isDisplayed());
            menu.click();
            browser.waitFor(By.cssSelector("a[href='#/budgets']"));
            browser.screenshot("overview-phone");
        } finally {
            browser.size(1280, 900);
        }
        browser.driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        try {
            browser.open("#/overview?at=dark");
            browser.waitFor(By.cssSelector("#daily-chart .uplot"));
            String background = (String) browser.script("return getComputedStyle(document.body).backgroundColor");
            assertEquals("rgb(18, 21, 27)", background);
            browser.screenshot("overview-dark");
        } finally {
            browser.driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features", List.of()));
        }
    }

    private void assertAllControlsLabelled(String page) {
        Object unlabelled = browser.script("return [...document.querySelectorAll('main input, main select, main button')]"
                + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
                + ".map(e => e.outerHTML).join('\\n')");
        assertEquals("", unlabelled, page + " has controls without a label");
    }

    private static String readCsrf(String json) {
        try {
            return TestStack.JSON.readTree(json).get("csrf_token").asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Chromium logs every script or style the policy blocked, and every uncaught error, to the browser log. */
    private void assertNoCspViolations() {
        List<String> problems = browser.driver.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll()
                .stream().filter(e -> e.getMessage().contains("Content Security Policy")
                        || e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue()
                        && !e.getMessage().contains("Failed to load resource"))
                .map(Object::toString).toList();
        assertEquals(List.of(), problems);
    }

    private String tile(String label) {
        for (WebElement t : browser.driver.findElements(By.cssSelector("#tiles .tile"))) {
            if (t.findElement(By.className("label")).getText().equals(label)) {
                return t.findElement(By.className("value")).getText();
            }
        }
        throw new AssertionError("no tile " + label);
    }

    /** Dollars as the console shows them: cents when whole cents, else down to the micro-unit. */
    static String usd(BigDecimal amount) {
        BigDecimal v = amount.setScale(6, RoundingMode.UNNECESSARY).stripTrailingZeros();
        if (v.scale() < 2) {
            v = v.setScale(2, RoundingMode.UNNECESSARY);
        }
        return (v.signum() < 0 ? "-$" + v.negate().toPlainString() : "$" + v.toPlainString());
    }

    private long userId(String email) {
        for (JsonNode u : api.get("/api/users", TestStack.ADMIN_KEY).json()) {
            if (u.get("email").asText().equals(email)) {
                return u.get("id").asLong();
            }
        }
        throw new AssertionError("no user " + email);
    }

    private JsonNode balance(long user) {
        for (JsonNode b : api.get("/api/admin/balances", TestStack.ADMIN_KEY).json()) {
            if (b.get("user_id").asLong() == user) {
                return b;
            }
        }
        throw new AssertionError("no balance for " + user);
    }

    private long user(String email, String name, String role) {
        Api.Reply r = api.post("/api/users", TestStack.ADMIN_KEY, "{\"email\":\"" + email + "\",\"name\":\"" + name
                + "\",\"role\":\"" + role + "\",\"password\":\"" + PASSWORD + "\"}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("id").asLong();
    }

    private String virtualKey(long owner, String name, String costCentre, int cap) {
        Api.Reply r = api.post("/api/admin/virtual-keys", TestStack.ADMIN_KEY, "{\"name\":\"" + name + "\",\"user_id\":" + owner
                + ",\"cost_centre\":\"" + costCentre + "\",\"environment\":\"prod\",\"project\":\"" + name
                + "\",\"agent_name\":\"" + name + "\",\"monthly_budget_cap\":" + cap + "}");
        assertEquals(201, r.status(), r.body());
        return r.json().get("key").asText();
    }

    private void calls(String key, int n) {
        for (int i = 0; i < n; i++) {
            Api.Reply r = api.post("/v1/chat/completions", key, Catalog.chatBody("chat", "question " + i, false));
            assertEquals(200, r.status(), r.body());
        }
    }
}
