package io.tollgate.ledger.projection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes the rows of one read-model table, each given as its column values (String, Long, Integer,
 * Boolean, Instant for timestamptz, LocalDate for date, or null): as batched upserts, or with
 * {@code COPY} into a table that starts empty and gets each row once (replay's fresh tables), which
 * loads millions of rows several times faster than INSERT batches.
 */
interface RowWriter extends AutoCloseable {
    void row(Object... values) throws SQLException;

    /** Sends what is still buffered. */
    @Override
    void close() throws SQLException;

    /** {@code INSERT INTO table (columns) VALUES (…) onConflict}, sent in batches. */
    static RowWriter upsert(Connection c, String table, String columns, String onConflict) throws SQLException {
        String placeholders = "?, ".repeat(columns.split(",").length - 1) + "?";
        return new Upsert(c.prepareStatement("INSERT INTO " + table + " (" + columns + ") VALUES (" + placeholders + ") "
                + onConflict));
    }

    /** {@code COPY table (columns) FROM STDIN} in CSV. */
    static RowWriter copy(Connection c, String table, String columns) throws SQLException {
        return new Copy(c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " (" + columns
                + ") FROM STDIN WITH (FORMAT csv)"));
    }

    final class Upsert implements RowWriter {
        /** Rows per JDBC batch: a replay saves millions of rows, which must not sit in one batch in memory. */
        private static final int BATCH_ROWS = 10_000;
        private final PreparedStatement insert;
        private int rows;

        private Upsert(PreparedStatement insert) {
            this.insert = insert;
        }

        @Override
        public void row(Object... values) throws SQLException {
            for (int i = 0; i < values.length; i++) {
                switch (values[i]) {
                    case Instant t -> insert.setTimestamp(i + 1, Timestamp.from(t));
                    case LocalDate d -> insert.setDate(i + 1, Date.valueOf(d));
                    case null, default -> insert.setObject(i + 1, values[i]);
                }
            }
            insert.addBatch();
            if (++rows % BATCH_ROWS == 0) {
                insert.executeBatch();
            }
        }

        @Override
        public void close() throws SQLException {
            try (insert) {
                insert.executeBatch();
            }
        }
    }

    final class Copy implements RowWriter {
        private static final int FLUSH_AT = 1 << 16;
        private final CopyIn copy;
        private final StringBuilder text = new StringBuilder(FLUSH_AT + 1024);

        private Copy(CopyIn copy) {
            this.copy = copy;
        }

        @Override
        public void row(Object... values) throws SQLException {
            for (int i = 0; i < values.length; i++) {
                if (i > 0) {
                    text.append(',');
                }
                switch (values[i]) {
                    case null -> { }  // an unquoted empty field is NULL; a quoted one ("") the empty string
                    case String s -> text.append('"').append(s.replace("\"", "\"\"")).append('"');
                    case Boolean b -> text.append(b ? 't' : 'f');
                    default -> text.append(values[i]);  // numbers; Instant and LocalDate print as ISO 8601
                }
            }
            text.append('\n');
            if (text.length() >= FLUSH_AT) {
                flush();
            }
        }

        private void flush() throws SQLException {
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            text.setLength(0);
            try {
                copy.writeToCopy(bytes, 0, bytes.length);
            } catch (SQLException e) {
                copy.cancelCopy();
                throw e;
            }
        }

        @Override
        public void close() throws SQLException {
            flush();
            copy.endCopy();
        }
    }
}
