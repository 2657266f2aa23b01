# One image for the gateway, the ledger-projector and the migrate job (the command picks which).
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q install -DskipTests -pl schema,ledger,gateway,ledger-projector -am \
 && mvn -B -q dependency:copy-dependencies -pl gateway,ledger-projector -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp gateway/target/tollgate-gateway-*.jar ledger-projector/target/tollgate-ledger-projector-*.jar /out/lib/

FROM eclipse-temurin:21-jre
# Never root: a fixed, unprivileged user that owns only the ledger spool (a volume in compose and Kubernetes).
RUN groupadd --system --gid 10001 tollgate \
 && useradd --system --uid 10001 --gid tollgate --home-dir /app --shell /usr/sbin/nologin tollgate \
 && mkdir -p /var/lib/tollgate && chown tollgate:tollgate /var/lib/tollgate
WORKDIR /app
COPY --from=build /out/lib /app/lib
COPY config /app/config
# JSON log lines for the platform's log collector; the spool where the container may write.
ENV TOLLGATE_LOG_FORMAT=json \
    TOLLGATE_LEDGER_SPOOL=/var/lib/tollgate/ledger-spool
USER 10001:10001
EXPOSE 8080 8081
# The heap follows the container's memory limit (75 % of it; bodies in flight get half the heap by default).
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=75", "-Dtollgate.config=/app/config/tollgate.yaml", "-cp", "/app/lib/*"]
CMD ["io.tollgate.gateway.Main"]
