package io.tollgate.gateway.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.LongConsumer;

import io.tollgate.gateway.http.Bodies;

/**
 * Splits an upstream event stream into its lines as bytes, for a relay that forwards most of what it
 * reads untouched. Line ends are {@code \n}, {@code \r\n} or {@code \r}, as the SSE format allows.
 *
 * <p>Why not a {@code BufferedReader}: it decodes every byte into chars only for them to be encoded
 * again on the way out, and each small read asked the HTTP client for 8 KB, which it allocated anew
 * per read: ~110 KB of garbage per relayed stream, most of the gateway's allocation.
 */
final class SseLines {
    private static final int READ = 1024;
    private static final int MAX_LINE = 8 << 20;
    private final InputStream in;
    private final LongConsumer hold;
    private byte[] buf = new byte[READ];
    private int start;
    private int end;
    /** The previous line ended in {@code \r}: a {@code \n} right after it belongs to that line end. */
    private boolean skipLf;

    SseLines(InputStream in) {
        this(in, Bodies.UNCOUNTED);
    }

    /** @param hold told the bytes of each growth of the line buffer first; it may throw to stop the read */
    SseLines(InputStream in, LongConsumer hold) {
        this.in = in;
        this.hold = hold;
    }

    /** The next line without its line end; null at the end of the stream (a last unterminated line included). */
    byte[] next() throws IOException {
        int searched = 0;
        while (true) {
            if (skipLf && start < end) {
                skipLf = false;
                if (buf[start] == '\n') {
                    start++;
                }
            }
            for (int i = start + searched; i < end; i++) {
                if (buf[i] == '\n' || buf[i] == '\r') {
                    byte[] line = Arrays.copyOfRange(buf, start, i);
                    skipLf = buf[i] == '\r';
                    start = i + 1;
                    return line;
                }
            }
            searched = end - start;
            if (!fill()) {
                if (start == end) {
                    return null;
                }
                byte[] line = Arrays.copyOfRange(buf, start, end);
                start = end;
                return line;
            }
        }
    }

    /** True if more of the stream has already been read: the relay can wait before flushing. */
    boolean buffered() {
        return skipLf ? end - start > 1 || end - start == 1 && buf[start] != '\n' : start < end;
    }

    private boolean fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (buf.length - end < READ) {
            if (buf.length >= MAX_LINE) {
                throw new IOException("an upstream event line is longer than " + (MAX_LINE >> 20) + " MB");
            }
            hold.accept(buf.length);
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        int n = in.read(buf, end, READ);
        if (n < 0) {
            return false;
        }
        end += n;
        return true;
    }
}
