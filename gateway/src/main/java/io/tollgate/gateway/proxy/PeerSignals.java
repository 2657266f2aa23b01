package io.tollgate.gateway.proxy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import io.tollgate.gateway.http.DatabaseException;

/**
 * Status asks and cancels that reach the wrong gateway instance: sent with Postgres {@code NOTIFY} to
 * every instance; the one serving the call (or that finished it lately) answers a status ask on the
 * reply channel, and cancels the call on a cancel. Nothing is stored: a signal for a call no instance
 * knows any more simply finds nothing.
 */
public final class PeerSignals implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PeerSignals.class.getName());
    private static final ObjectMapper MAPPER = new ObjectMapper().registerModule(new JavaTimeModule());
    private static final String CANCEL = "tollgate_cancel";
    private static final String STATUS_ASK = "tollgate_status_ask";
    private static final String STATUS_REPLY = "tollgate_status_reply";
    /** How long a status ask waits for the instance serving the call (a round trip through Postgres). */
    private static final long ASK_FOR_MS = 300;

    private final DataSource dataSource;
    private final RequestBoard board;
    private final Map<String, CompletableFuture<RequestBoard.Status>> asks = new ConcurrentHashMap<>();
    private final Thread listener;
    private volatile boolean running = true;

    public PeerSignals(DataSource dataSource, RequestBoard board) {
        this.dataSource = dataSource;
        this.board = board;
        this.listener = Thread.ofPlatform().daemon().name("peer-signals").start(this::listen);
    }

    /** Asks every instance to cancel {@code requestId}, if {@code userId} (null: anyone's, for admins) owns it. */
    void broadcastCancel(String requestId, Long userId) {
        notify(CANCEL, requestId + " " + owner(userId));
    }

    /** The call's status from whichever instance serves it or finished it lately; empty if none answers in time. */
    Optional<RequestBoard.Status> ask(String requestId, Long userId) {
        String askId = UUID.randomUUID().toString();
        CompletableFuture<RequestBoard.Status> answer = new CompletableFuture<>();
        asks.put(askId, answer);
        try {
            notify(STATUS_ASK, askId + " " + requestId + " " + owner(userId));
            return Optional.of(answer.get(ASK_FOR_MS, TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            asks.remove(askId);
        }
    }

    private static String owner(Long userId) {
        return userId == null ? "*" : userId.toString();
    }

    private void notify(String channel, String payload) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            q.setString(1, channel);
            q.setString(2, payload);
            q.execute();
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    private void listen() {
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CANCEL + "; LISTEN " + STATUS_ASK + "; LISTEN " + STATUS_REPLY);
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] got = pg.getNotifications(500);
                    if (got != null) {
                        for (PGNotification n : got) {
                            try {
                                handle(n.getName(), n.getParameter());
                            } catch (RuntimeException e) {
                                LOG.log(Level.FINE, "peer signal on " + n.getName() + " not handled", e);
                            }
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    LOG.log(Level.FINE, "peer signals: listening again shortly", e);
                    sleep();
                }
            }
        }
    }

    private void handle(String channel, String payload) {
        switch (channel) {
            case CANCEL -> {
                String[] p = payload.split(" ", 2);
                if (p.length == 2) {
                    board.cancel(p[0], userOf(p[1]));
                }
            }
            case STATUS_ASK -> {
                String[] p = payload.split(" ", 3);
                if (p.length == 3) {
                    Long user = userOf(p[2]);
                    Optional<RequestBoard.Status> here = user == null ? board.statusForAnyone(p[1]) : board.status(p[1], user);
                    here.ifPresent(s -> notify(STATUS_REPLY, p[0] + " " + json(s)));
                }
            }
            case STATUS_REPLY -> {
                String[] p = payload.split(" ", 2);
                CompletableFuture<RequestBoard.Status> waiting = p.length == 2 ? asks.get(p[0]) : null;
                if (waiting != null) {
                    waiting.complete(status(p[1]));
                }
            }
            default -> { }
        }
    }

    private static Long userOf(String owner) {
        return owner.equals("*") ? null : Long.valueOf(owner);
    }

    private static String json(RequestBoard.Status s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RequestBoard.Status status(String json) {
        try {
            return MAPPER.readValue(json, RequestBoard.Status.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an unreadable status reply from a peer: " + json, e);
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
