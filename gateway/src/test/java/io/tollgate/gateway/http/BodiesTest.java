package io.tollgate.gateway.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.junit.jupiter.api.Test;

class BodiesTest {
    /** Records the largest read it was asked for: the size of the buffer the caller allocated. */
    private static final class Recording extends ByteArrayInputStream {
        int largestRead;

        Recording(byte[] bytes) {
            super(bytes);
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            largestRead = Math.max(largestRead, len);
            return super.read(b, off, len);
        }
    }

    @Test
    void aBodyWithADeclaredLengthIsReadIntoABufferOfExactlyThatSize() throws IOException {
        byte[] json = "{\"model\":\"m\"}".getBytes();
        Recording in = new Recording(json);
        assertArrayEquals(json, Bodies.read(in, json.length, 1 << 20));
        assertEquals(json.length, in.largestRead);
    }

    @Test
    void aBodyShorterThanDeclaredIsReturnedAsItCame() throws IOException {
        assertArrayEquals(new byte[] {1, 2}, Bodies.read(new ByteArrayInputStream(new byte[] {1, 2}), 5, 100));
    }

    @Test
    void withoutALengthOrOverTheLimitAtMostOneByteMoreThanTheLimitIsRead() throws IOException {
        InputStream big = new ByteArrayInputStream(new byte[1000]);
        assertEquals(101, Bodies.read(big, -1, 100).length);
        assertEquals(101, Bodies.read(new ByteArrayInputStream(new byte[1000]), 1000, 100).length);
        assertEquals(10, Bodies.read(new ByteArrayInputStream(new byte[10]), -1, 100).length);
    }

    @Test
    void theBytesOfEveryBufferAreHeldBeforeItIsAllocated() throws IOException {
        long[] held = new long[1];
        byte[] json = "{\"model\":\"m\"}".getBytes();
        Bodies.read(new ByteArrayInputStream(json), json.length, 100, bytes -> held[0] += bytes);
        assertEquals(json.length, held[0], "a declared length is held at once");

        held[0] = 0;
        byte[] body = Bodies.read(new ByteArrayInputStream(new byte[100_000]), -1, 1 << 20, bytes -> held[0] += bytes);
        assertEquals(100_000, body.length);
        assertEquals(131_072, held[0], "without a length, the buffer as it doubled from 8 KB");
    }

    @Test
    void aRefusedHoldStopsTheReadBeforeTheBufferGrowsAndLeavesTheWholeBodyReadable() throws IOException {
        byte[] body = new byte[100_000];
        new java.util.Random(5).nextBytes(body);
        Recording in = new Recording(body);
        Bodies.Refused refused = assertThrows(Bodies.Refused.class, () -> Bodies.read(in, -1, 1 << 20, bytes -> {
            if (bytes > 8192) {
                throw new IllegalStateException("over budget");
            }
        }));
        assertEquals(16_384, 100_000 - in.available(), "read no further than the buffers it was allowed");
        assertEquals("over budget", refused.refusal().getMessage());
        assertArrayEquals(body, refused.rest().readAllBytes(), "what was read, then the rest");
    }
}
