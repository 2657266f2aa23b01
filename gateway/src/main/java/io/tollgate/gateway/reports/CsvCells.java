package io.tollgate.gateway.reports;

/**
 * Text from users (cost centres, projects, agents, names) made safe for spreadsheets: a cell that starts
 * with {@code = + - @}, a tab or a carriage return is a formula to Excel, LibreOffice and Google Sheets
 * (OWASP "CSV injection"), so it gets a leading apostrophe, which they show as plain text.
 */
final class CsvCells {
    private CsvCells() {
    }

    static String text(String value) {
        if (value == null || value.isEmpty()) {
            return value;
        }
        char first = value.charAt(0);
        return first == '=' || first == '+' || first == '-' || first == '@' || first == '\t' || first == '\r'
                || first == '\uFF1D' || first == '\uFF0B' || first == '\uFF0D' || first == '\uFF20'
                ? "'" + value : value;
    }
}
