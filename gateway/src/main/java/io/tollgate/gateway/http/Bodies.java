package io.tollgate.gateway.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Arrays;
import java.util.function.LongConsumer;

/** Reading whole message bodies without over-allocating for the small ones that are the norm. */
public final class Bodies {
    /** A hold that counts nothing: for bodies no memory budget covers. */
    public static final LongConsumer UNCOUNTED = bytes -> { };

    private Bodies() {
    }

    /**
     * At most {@code max + 1} bytes of {@code in} (one more than allowed tells the caller it is too
     * long). With a declared length the buffer is exactly that size: {@link InputStream#readNBytes(int)}
     * would allocate and copy 16 KB chunks for a 300-byte body, on every request.
     */
    public static byte[] read(InputStream in, long declaredLength, int max) throws IOException {
        return read(in, declaredLength, max, UNCOUNTED);
    }

    /**
     * As {@link #read(InputStream, long, int)}, first telling {@code hold} the size of every buffer
     * it allocates: with a declared length that is one call; without, one each time the buffer
     * doubles, from 8 KB. If {@code hold} throws, the read stops with {@link Refused}.
     */
    public static byte[] read(InputStream in, long declaredLength, int max, LongConsumer hold) throws IOException {
        if (declaredLength >= 0 && declaredLength <= max) {
            hold(hold, declaredLength, new byte[0], 0, in);
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
                hold(hold, grown - buffer.length, buffer, n, in);
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

    private static void hold(LongConsumer hold, long bytes, byte[] read, int n, InputStream in) {
        try {
            hold.accept(bytes);
        } catch (RuntimeException refusal) {
            throw new Refused(refusal, new SequenceInputStream(new ByteArrayInputStream(read, 0, n), in));
        }
    }

    /** {@code hold} refused; {@link #rest} still reads the whole body, for a caller that must look through it. */
    public static final class Refused extends RuntimeException {
        private final transient InputStream rest;

        private Refused(RuntimeException refusal, InputStream rest) {
            super(refusal);
            this.rest = rest;
        }

        /** What {@code hold} threw. */
        public RuntimeException refusal() {
            return (RuntimeException) getCause();
        }

        /** The bytes read before the refusal, then the rest of the stream. */
        public InputStream rest() {
            return rest;
        }
    }
}
