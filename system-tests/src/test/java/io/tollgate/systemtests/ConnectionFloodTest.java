package io.tollgate.systemtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * More client connections than the process has file descriptors for: the gateway takes what it can
 * serve and lets the rest wait, instead of running out and losing its listening socket for good.
 */
class ConnectionFloodTest {
    @Test
    void aFloodOfConnectionsBeyondTheFileDescriptorLimitLeavesTheGatewayServing() throws Exception {
        // The JVM and its jars take ~200 descriptors of these; the flood below is more than the rest.
        TestStack.GatewayProc proc = TestStack.gatewayProcess("flood", 512, List.of());
        Process gateway = proc.process();
        int port = proc.port();
        List<Socket> flood = new ArrayList<>();
        try {
            String base = proc.base();
            for (int i = 0; i < 600; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                flood.add(s);
            }
            Thread.sleep(1_000);
            for (Socket s : flood) {
                s.close();
            }
            HttpClient client = HttpClient.newHttpClient();
            TestStack.await("the gateway to serve again after the flood", 30, () -> {
                try {
                    return client.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(Duration.ofSeconds(5))
                            .build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (Exception e) {
                    return false;
                }
            });
            HttpResponse<String> keys = client.send(HttpRequest.newBuilder(URI.create(base + "/api/keys"))
                    .header("Authorization", "Bearer " + TestStack.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, keys.statusCode(), keys.body());
        } finally {
            for (Socket s : flood) {
                s.close();
            }
            gateway.destroyForcibly().waitFor();
        }
    }
}
