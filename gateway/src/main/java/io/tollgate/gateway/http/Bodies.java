package io.tollgate.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.LongConsumer;

/** Reading whole message bodies without over-allocating for the small ones that are the norm. */
public final class Bodies {
    private Bodies() {
    }

    /**
     * At most {@code max + 1} bytes of {@code in} (one more than allowed tells the caller it is too
     * long). With a declared length the buffer is exactly that size: {@link InputStream#readNBytes(int)}
     * would allocate and copy 16 KB chunks for a 300-byte body, on every request.
     */
    public static byte[] read(InputStream in, long declaredLength, int max) throws IOException {
        return read(in, declaredLength, max, bytes -> { });
    }

    /**
     * As {@link #read(InputStream, long, int)}, first telling {@code hold} the size of every buffer
     * it allocates ({@code hold} may throw to stop the read): with a declared length that is one call;
     * without, one each time the buffer doubles, from 8 KB.
     */
    public static byte[] read(InputStream in, long declaredLength, int max, LongConsumer hold) throws IOException {
        if (declaredLength >= 0 && declaredLength <= max) {
            hold.accept(declaredLength);
            byte[] body = new byte[(int) declaredLength];
            int n = in.readNBytes(body, 0, body.length);
            return n == body.length ? body : Arrays.copyOf(body, n);
        }
        int limit = max + 1;
        byte[] buffer = new byte[0];
        int n = 0;
        while (n < limit) {
            if (n == buffer.length) {
                int grown = (int) Math.min(limit, Math.max(8192, 2L * buffer.length));
                hold.accept(grown - buffer.length);
                buffer = Arrays.copyOf(buffer, grown);
            }
            int read = in.read(buffer, n, buffer.length - n);
            if (read < 0) {
                break;
            }
            n += read;
        }
        return n == buffer.length ? buffer : Arrays.copyOf(buffer, n);
    }
}
