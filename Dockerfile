# Production image for the gateway (and the migrate job, same image, other command).
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q install -DskipTests -pl schema,ledger,gateway -am \
 && mvn -B -q dependency:copy-dependencies -pl gateway -DincludeScope=runtime -DoutputDirectory=/out/lib \
 && cp gateway/target/tollgate-gateway-*.jar /out/lib/

FROM eclipse-temurin:21-jre
WORKDIR /app
COPY --from=build /out/lib /app/lib
COPY config /app/config
EXPOSE 8080
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-Dtollgate.config=/app/config/tollgate.yaml", "-cp", "/app/lib/*"]
CMD ["io.tollgate.gateway.Main"]
