package io.tollgate.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

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
        if (declaredLength < 0 || declaredLength > max) {
            return in.readNBytes(max + 1);
        }
        byte[] body = new byte[(int) declaredLength];
        int n = in.readNBytes(body, 0, body.length);
        return n == body.length ? body : Arrays.copyOf(body, n);
    }
}
