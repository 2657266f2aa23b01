package io.tollgate.gateway.conversations;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.tollgate.gateway.Db;
import io.tollgate.gateway.http.ApiError;

/**
 * Seed 002's sessions: a user's conversations, whose turns {@code /v1/generate} puts before a new input.
 * Only their owner sees them; another user's id is a 404, as if it did not exist.
 */
public final class Conversations {
    /** A conversation holds at most this many turns; the oldest go first, so prompts stay bounded. */
    public static final int MAX_TURNS = 100;

    public record Conversation(UUID id, long userId, String title, int turns, Instant createdAt, Instant updatedAt) {
    }

    public record Turn(String role, String content) {
    }

    private final Db db;

    public Conversations(Db db) {
        this.db = db;
    }

    public Conversation create(long userId, String title) {
        UUID id = UUID.randomUUID();
        db.tx(c -> {
            try (PreparedStatement q = c.prepareStatement("INSERT INTO conversations (id, user_id, title) VALUES (?, ?, ?)")) {
                q.setObject(1, id);
                q.setLong(2, userId);
                q.setString(3, title);
                return q.executeUpdate();
            }
        });
        return find(userId, id);
    }

    public List<Conversation> list(long userId) {
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement(SELECT + "WHERE c.user_id = ? GROUP BY c.id "
                    + "ORDER BY c.updated_at DESC LIMIT 1000")) {
                q.setLong(1, userId);
                try (ResultSet rs = q.executeQuery()) {
                    List<Conversation> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(conversation(rs));
                    }
                    return out;
                }
            }
        });
    }

    /** 404 unless {@code userId} owns it. */
    public Conversation find(long userId, UUID id) {
        return db.read(c -> owned(c, userId, id)).orElseThrow(() -> ApiError.notFound("no session " + id));
    }

    public Conversation rename(long userId, UUID id, String title) {
        update(userId, id, "UPDATE conversations SET title = ?, updated_at = now() WHERE id = ?", title);
        return find(userId, id);
    }

    public void delete(long userId, UUID id) {
        update(userId, id, "DELETE FROM conversations WHERE id = ?", null);
    }

    /** Forgets every turn, keeping the conversation. */
    public Conversation reset(long userId, UUID id) {
        update(userId, id, "DELETE FROM conversation_turns WHERE conversation_id = ?", null);
        return find(userId, id);
    }

    public List<Turn> turns(long userId, UUID id) {
        find(userId, id);
        return db.read(c -> {
            try (PreparedStatement q = c.prepareStatement("SELECT role, content FROM conversation_turns "
                    + "WHERE conversation_id = ? ORDER BY seq")) {
                q.setObject(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    List<Turn> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(new Turn(rs.getString(1), rs.getString(2)));
                    }
                    return out;
                }
            }
        });
    }

    /** Appends turns after a generation, dropping the oldest beyond {@link #MAX_TURNS}; the row lock orders concurrent appends. */
    public void append(long userId, UUID id, List<Turn> turns) {
        db.tx(c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT 1 FROM conversations WHERE id = ? AND user_id = ? "
                    + "FOR UPDATE")) {
                lock.setObject(1, id);
                lock.setLong(2, userId);
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next()) {
                        return null;  // deleted meanwhile: nothing to keep
                    }
                }
            }
            int next;
            try (PreparedStatement q = c.prepareStatement("SELECT coalesce(max(seq), 0) FROM conversation_turns "
                    + "WHERE conversation_id = ?")) {
                q.setObject(1, id);
                try (ResultSet rs = q.executeQuery()) {
                    rs.next();
                    next = rs.getInt(1) + 1;
                }
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO conversation_turns (conversation_id, seq, role, "
                    + "content) VALUES (?, ?, ?, ?)")) {
                for (Turn t : turns) {
                    insert.setObject(1, id);
                    insert.setInt(2, next++);
                    insert.setString(3, t.role());
                    insert.setString(4, t.content());
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            try (PreparedStatement trim = c.prepareStatement("DELETE FROM conversation_turns WHERE conversation_id = ? "
                    + "AND seq <= ?"); PreparedStatement touch = c.prepareStatement(
                    "UPDATE conversations SET updated_at = now() WHERE id = ?")) {
                trim.setObject(1, id);
                trim.setInt(2, next - 1 - MAX_TURNS);
                trim.executeUpdate();
                touch.setObject(1, id);
                touch.executeUpdate();
            }
            return null;
        });
    }

    private static final String SELECT = "SELECT c.id, c.user_id, c.title, count(t.seq), c.created_at, c.updated_at "
            + "FROM conversations c LEFT JOIN conversation_turns t ON t.conversation_id = c.id ";

    private void update(long userId, UUID id, String sql, String text) {
        db.tx(c -> {
            if (owned(c, userId, id).isEmpty()) {
                throw ApiError.notFound("no session " + id);
            }
            try (PreparedStatement q = c.prepareStatement(sql)) {
                int i = 1;
                if (text != null) {
                    q.setString(i++, text);
                }
                q.setObject(i, id);
                return q.executeUpdate();
            }
        });
    }

    private static Optional<Conversation> owned(Connection c, long userId, UUID id) throws SQLException {
        try (PreparedStatement q = c.prepareStatement(SELECT + "WHERE c.id = ? AND c.user_id = ? GROUP BY c.id")) {
            q.setObject(1, id);
            q.setLong(2, userId);
            try (ResultSet rs = q.executeQuery()) {
                return rs.next() ? Optional.of(conversation(rs)) : Optional.empty();
            }
        }
    }

    private static Conversation conversation(ResultSet rs) throws SQLException {
        return new Conversation(rs.getObject(1, UUID.class), rs.getLong(2), rs.getString(3), rs.getInt(4),
                rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant());
    }

    /** A session id from a path or a body: 404 for anything that is not a UUID (it cannot name a session). */
    public static UUID id(String raw) {
        try {
            return UUID.fromString(raw);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiError.notFound("no session " + raw);
        }
    }
}
