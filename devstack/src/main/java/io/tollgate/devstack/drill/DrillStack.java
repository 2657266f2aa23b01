package io.tollgate.devstack.drill;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import javax.sql.DataSource;

import io.tollgate.devstack.DemoCatalog;
import io.tollgate.devstack.DevPostgres;
import io.tollgate.devstack.MockUpstream;
import io.tollgate.gateway.Gateway;
import io.tollgate.gateway.GatewayConfig;
import io.tollgate.gateway.providers.SecretBox;

/**
 * A gateway on its own embedded Postgres (and optionally Kafka) with the demo catalog on a mock
 * upstream, and an HTTP client for it.
 */
public final class DrillStack implements AutoCloseable {
    public static final String ADMIN = "tg_live_drilladmin0123456789abcdefABCDEF";
    final Path dir;
    DevPostgres postgres;
    final MockUpstream mock;
    final GatewayConfig config;
    final Gateway gateway;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private DrillStack(Path dir, String kafkaBootstrap) {
        this.dir = dir;
        postgres = DevPostgres.start(dir.resolve("postgres"));
        mock = MockUpstream.start(0, DemoCatalog.UPSTREAM_KEY);
        config = GatewayConfig.loopback(postgres.database("drill"), dir.resolve("spool"), SecretBox.newMasterKey(), ADMIN)
                .withKafka(kafkaBootstrap, "drill.ledger");
        gateway = Gateway.start(config);
        DemoCatalog.ensure(gateway, mock.baseUrl());
    }

    public static DrillStack start(Path dir) {
        return new DrillStack(dir, "");
    }

    /** With the relay publishing the ledger to the Kafka at {@code kafkaBootstrap}. */
    public static DrillStack start(Path dir, String kafkaBootstrap) {
        return new DrillStack(dir, kafkaBootstrap);
    }

    String base() {
        return "http://127.0.0.1:" + gateway.port();
    }

    HttpResponse<String> send(String method, String path, String key, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A new user with a key that may call every model; returns the key. */
    String userKey(String email) {
        HttpResponse<String> user = send("POST", "/api/users", ADMIN, "{\"email\":\"" + email + "\"}");
        String id = user.body().replaceAll(".*\"id\":(\\d+).*", "$1");
        HttpResponse<String> key = send("POST", "/api/keys", ADMIN, "{\"user_id\":" + id
                + ",\"name\":\"drill\",\"scopes\":\"completion:invoke,model:any\"}");
        return key.body().replaceAll(".*\"key\":\"([^\"]+)\".*", "$1");
    }

    static long count(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    long count(String sql) {
        return count(gateway.dataSource(), sql);
    }

    @Override
    public void close() {
        gateway.close();
        mock.close();
        postgres.close();
    }
}
