package io.tollgate.ledger.config;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Every Tollgate process logs through SLF4J to logback ({@code logback.xml}: JSON lines when
 * {@code TOLLGATE_LOG_FORMAT=json}, text otherwise). Tollgate's own code and Helidon log through
 * {@code java.util.logging}; this bridges those records in, once per process.
 */
public final class Logs {
    private Logs() {
    }

    public static synchronized void install() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
