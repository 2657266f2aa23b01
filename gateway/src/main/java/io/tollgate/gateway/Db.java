package io.tollgate.gateway;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import io.tollgate.gateway.http.DatabaseException;

/** Runs JDBC work in a transaction, turning {@link SQLException} into an unchecked {@link DatabaseException}. */
public final class Db {
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;

    public Db(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public <T> T tx(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }

    /** A BIGINT column that may be NULL. */
    public static Long nullableLong(java.sql.ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    /** A TEXT[] column; NULL reads as empty. */
    public static java.util.List<String> texts(java.sql.Array array) throws SQLException {
        return array == null ? java.util.List.of() : java.util.Arrays.asList((String[]) array.getArray());
    }

    public <T> T read(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new DatabaseException(e);
        }
    }
}
