package io.tollgate.gateway.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CsvCellsTest {
    @Test
    void cellsASpreadsheetWouldRunAsFormulasAreShownAsText() {
        for (String formula : new String[] {"=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\uFF1D1"}) {
            assertEquals("'" + formula, CsvCells.text(formula));
        }
        assertEquals("R&D", CsvCells.text("R&D"));
        assertEquals("a=b", CsvCells.text("a=b"));
        assertEquals("", CsvCells.text(""));
        assertEquals(null, CsvCells.text(null));
    }
}
