package io.tollgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SseLinesTest {
    /** Hands out at most {@code step} bytes per read, as a network stream does. */
    private static InputStream trickle(String text, int step) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private static List<String> lines(SseLines in) throws IOException {
        List<String> out = new ArrayList<>();
        for (byte[] l; (l = in.next()) != null; ) {
            out.add(new String(l, StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void everyLineEndTheSseFormatAllowsSplitsLinesWhereverTheReadsFall() throws IOException {
        String stream = "data: {\"a\":1}\n\ndata: é\r\n\r\nevent: x\rdata: y\r\rlast";
        List<String> expected = List.of("data: {\"a\":1}", "", "data: é", "", "event: x", "data: y", "", "last");
        for (int step = 1; step <= stream.length(); step++) {
            assertEquals(expected, lines(new SseLines(trickle(stream, step))), "reads of " + step + " bytes");
        }
    }

    @Test
    void bufferedTellsWhetherMoreOfTheStreamHasAlreadyArrived() throws IOException {
        SseLines together = new SseLines(trickle("data: 1\n\ndata: 2\n\n", 100));
        together.next();
        together.next();
        assertTrue(together.buffered(), "the second event came in the same read");

        SseLines crlf = new SseLines(trickle("data: 1\r\n\r\n", 100));
        crlf.next();
        crlf.next();
        assertFalse(crlf.buffered(), "only the \\n of a \\r\\n is left");
        assertNull(crlf.next());
    }

    @Test
    void aLineWithoutEndFromAHostileUpstreamIsRefusedInsteadOfFillingTheHeap() {
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'x';
            }
        };
        assertThrows(IOException.class, () -> new SseLines(endless).next());
    }
}
