package io.tollgate.gateway.http;

import java.sql.SQLException;

/** An {@link SQLException} carried through code that cannot throw checked exceptions. */
public final class DatabaseException extends RuntimeException {
    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }
}
