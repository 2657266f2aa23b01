package io.tollgate.gateway.console;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.staticcontent.StaticContentService;

/**
 * The browser console at {@code /console}: static ES modules and CSS from this jar (no build step, no
 * CDN), talking to {@code /api} on the same origin with the session cookie. Charts use uPlot from its
 * WebJar. Every console response carries a Content-Security-Policy that allows scripts, styles and
 * connections from this origin only (no inline script), and may not be framed.
 */
public final class Console implements HttpService {
    /** The uPlot WebJar's version, as in gateway/pom.xml; its files are served under /console/lib/uplot. */
    static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist";
    static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    @Override
    public void routing(HttpRules rules) {
        rules.any(Console::securityHeaders)
                .register("/lib/uplot", StaticContentService.builder(UPLOT).build())
                .register("/", StaticContentService.builder("console").welcomeFileName("index.html").build());
    }

    /** {@code /} sends a browser to the console. */
    public static HttpService root() {
        return rules -> rules.get("/", (req, res) -> {
            res.status(Status.FOUND_302).header(HeaderNames.LOCATION, "/console/").send();
        });
    }

    /** The security headers of every page and asset under {@code /console} (on its routes only, not the data plane's). */
    private static void securityHeaders(ServerRequest req, ServerResponse res) {
        res.header("Content-Security-Policy", POLICY);
        res.header("X-Content-Type-Options", "nosniff");
        res.header("Referrer-Policy", "same-origin");
        res.header("Cache-Control", "no-cache");
        res.next();
    }
}
