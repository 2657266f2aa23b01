# One image for the gateway, the ledger-projector and the migrate job (the command picks which).
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q install -DskipTests -pl schema,ledger,gateway,ledger-projector -am \
 && mvn -B -q dependency:copy-dependencies -pl gateway,ledger-projector -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp gateway/target/tollgate-gateway-*.jar ledger-projector/target/tollgate-ledger-projector-*.jar /out/lib/

FROM eclipse-temurin:21-jre
WORKDIR /app
COPY --from=build /out/lib /app/lib
COPY config /app/config
EXPOSE 8080 8081
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-Dtollgate.config=/app/config/tollgate.yaml", "-Djava.util.logging.config.file=/app/config/logging.properties", "-cp", "/app/lib/*"]
CMD ["io.tollgate.gateway.Main"]
