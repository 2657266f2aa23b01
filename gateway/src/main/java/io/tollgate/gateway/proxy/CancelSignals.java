package io.tollgate.gateway.proxy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Cancels that reach the wrong gateway instance: sent with Postgres {@code NOTIFY} to every instance,
 * which cancels the call if it is the one serving it. Nothing is stored: a cancel for a call no
 * instance serves any more simply finds nothing.
 */
public final class CancelSignals implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CancelSignals.class.getName());
    private static final String CHANNEL = "tollgate_cancel";

    private final DataSource dataSource;
    private final RequestBoard board;
    private final Thread listener;
    private volatile boolean running = true;

    public CancelSignals(DataSource dataSource, RequestBoard board) {
        this.dataSource = dataSource;
        this.board = board;
        this.listener = Thread.ofPlatform().daemon().name("cancel-signals").start(this::listen);
    }

    /** Asks every instance to cancel {@code requestId}, if {@code userId} (null: anyone's, for admins) owns it. */
    void broadcast(String requestId, Long userId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            q.setString(1, CHANNEL);
            q.setString(2, requestId + " " + (userId == null ? "*" : userId));
            q.execute();
        } catch (SQLException e) {
            throw new io.tollgate.gateway.http.DatabaseException(e);
        }
    }

    private void listen() {
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] got = pg.getNotifications(500);
                    if (got == null) {
                        continue;
                    }
                    for (PGNotification n : got) {
                        String[] parts = n.getParameter().split(" ", 2);
                        if (parts.length == 2) {
                            board.cancel(parts[0], parts[1].equals("*") ? null : Long.valueOf(parts[1]));
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.log(Level.FINE, "cancel signals: listening again shortly", e);
                    sleep();
                }
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        listener.interrupt();
    }
}
