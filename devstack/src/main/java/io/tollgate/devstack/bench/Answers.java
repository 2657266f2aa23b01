package io.tollgate.devstack.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the gateway answered to chat completions, by status, from its {@code http_server_requests}
 * counts: with the usage events written, it tells a call the gateway answered without recording
 * (a lost event) from a request the load generator gave up on before the gateway read it.
 */
final class Answers {
    private static final Pattern COUNT = Pattern.compile(
            "^http_server_requests_seconds_count\\{([^}]*)} ([0-9.E+]+)$", Pattern.MULTILINE);
    private static final Pattern STATUS = Pattern.compile("status=\"(\\d+)\"");

    private Answers() {
    }

    /** Answers to {@code POST .../chat/completions} by status, as counted so far. */
    static Map<String, Long> byStatus(String base) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (Matcher m = COUNT.matcher(CommitWait.metrics(base)); m.find(); ) {
            String labels = m.group(1);
            Matcher status = STATUS.matcher(labels);
            if (labels.contains("chat/completions") && labels.contains("method=\"POST\"") && status.find()) {
                out.merge(status.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
            }
        }
        return out;
    }
}
