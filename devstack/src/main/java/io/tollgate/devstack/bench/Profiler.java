package io.tollgate.devstack.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * async-profiler (Maven Central's {@code tools.profiler:async-profiler}, linux-x64) attached to the
 * bench's gateway from its start: one CPU flame graph per 10 s into a folder, so what docs/performance.md says
 * about where the time goes can be looked at again.
 */
final class Profiler {
    private static final String LIBRARY = "linux-x64/libasyncProfiler.so";

    private Profiler() {
    }

    /** The gateway's JVM options that write {@code out/gateway-<time>.html} every 10 s. */
    static List<String> gatewayAgent(Path out) throws IOException {
        Files.createDirectories(out);
        Path library = out.resolve("libasyncProfiler.so");
        try (InputStream in = Profiler.class.getClassLoader().getResourceAsStream(LIBRARY)) {
            if (in == null) {
                throw new IOException(LIBRARY + " is not on the classpath (tools.profiler:async-profiler:linux-x64)");
            }
            Files.copy(in, library, StandardCopyOption.REPLACE_EXISTING);
        }
        return List.of("-agentpath:" + library.toAbsolutePath() + "=start,event=cpu,interval=1ms,loop=10s,file="
                + out.toAbsolutePath().resolve("gateway-%t.html"));
    }
}
