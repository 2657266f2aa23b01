package io.tollgate.gateway.api;

import java.util.List;
import java.util.stream.Collectors;

import io.tollgate.gateway.auth.Access.CallerKind;
import io.tollgate.gateway.auth.Access;

/**
 * The "who may do what" tables of docs/security.md and docs/access.md, rendered from {@link Access} and the OpenAPI document's
 * {@code x-access}, so the documentation cannot drift from what {@link Guard} enforces (a test compares).
 */
public final class AccessTable {
    private AccessTable() {
    }

    /** Kinds of caller (rows) by access level (columns): yes, no, or read (GET only). */
    public static String byLevel() {
        StringBuilder sb = new StringBuilder("| Caller | ");
        sb.append(java.util.Arrays.stream(Access.values()).map(a -> "`" + a.name().toLowerCase() + "`")
                .collect(Collectors.joining(" | "))).append(" |\n| --- |");
        sb.append(" :-: |".repeat(Access.values().length)).append('\n');
        for (CallerKind kind : CallerKind.values()) {
            sb.append("| ").append(kind.label()).append(kind.scopes().isEmpty() ? "" : " (`"
                    + String.join(",", new java.util.TreeSet<>(kind.scopes())) + "`)").append(" |");
            for (Access a : Access.values()) {
                boolean read = kind.may(a, false);
                boolean write = kind.may(a, true);
                sb.append(' ').append(write ? "yes" : read ? "read" : "no").append(" |");
            }
            sb.append('\n');
        }
        sb.append('\n');
        for (Access a : Access.values()) {
            sb.append("- `").append(a.name().toLowerCase()).append("`: ").append(a.meaning()).append('\n');
        }
        return sb.toString();
    }

    /** Every operation (rows) by kind of caller (columns), as the authorization matrix test checks it. */
    public static String byOperation(List<OpenApiDocument.Operation> operations) {
        StringBuilder sb = new StringBuilder("| Operation | Level | ");
        for (CallerKind kind : CallerKind.values()) {
            sb.append(kind.label()).append(" | ");
        }
        sb.append("\n| --- | --- |").append(" :-: |".repeat(CallerKind.values().length)).append('\n');
        for (OpenApiDocument.Operation op : operations) {
            boolean write = !op.method().equals("get");
            sb.append("| `").append(op.method().toUpperCase()).append(' ').append(op.path()).append("` | ")
                    .append(op.access().name().toLowerCase()).append(" |");
            for (CallerKind kind : CallerKind.values()) {
                sb.append(kind.may(op.access(), write) ? " ✓ |" : " · |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
