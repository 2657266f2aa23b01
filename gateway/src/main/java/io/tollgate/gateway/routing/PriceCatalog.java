package io.tollgate.gateway.routing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The bundled, dated price table of hosted models ({@code prices/genai-prices.json}: the npm package
 * {@code @pydantic/genai-prices}, see its NOTICE). A model a provider lists is priced from it by the name the
 * provider knows it by, trying the provider's own kind first (OpenAI's names for an OpenAI-format provider,
 * Anthropic's for an Anthropic one), then catalogues that resell many vendors' models under
 * {@code vendor/model} names, then every other provider. Prices are micro-dollars per million tokens.
 */
public final class PriceCatalog {
    /** A catalogue price and where it came from ({@code provider/model}), for the model list to show. */
    public record Price(long inputMicrosPerMillion, long outputMicrosPerMillion, String source) {
    }

    private record Entry(String provider, String id, JsonNode match, long input, long output) {
    }

    private static final String RESOURCE = "prices/genai-prices.json";
    private final List<Entry> entries;
    private final Map<String, Optional<Price>> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private final String retrieved;

    private PriceCatalog(List<Entry> entries, String retrieved) {
        this.entries = entries;
        this.retrieved = retrieved;
    }

    public static PriceCatalog bundled() {
        try (InputStream in = PriceCatalog.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the gateway jar");
            }
            JsonNode doc = new ObjectMapper().readTree(in);
            List<Entry> entries = new ArrayList<>();
            doc.get("providers").properties().forEach(p -> p.getValue().forEach(m -> entries.add(new Entry(p.getKey(),
                    m.get("id").asText(), m.get("match"), micros(m.get("input_mtok")), micros(m.get("output_mtok"))))));
            return new PriceCatalog(List.copyOf(entries), doc.path("retrieved").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The day the table was taken from its source. */
    public String retrieved() {
        return retrieved;
    }

    private static long micros(JsonNode usdPerMillion) {
        return new BigDecimal(usdPerMillion.asText()).movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP)
                .longValueExact();
    }

    /** The price of {@code model} as a provider of {@code providerType} names it, if the catalogue knows it. */
    public Optional<Price> price(String providerType, String model) {
        return cache.computeIfAbsent(providerType + "\u0000" + model, k -> find(providerType, model));
    }

    private Optional<Price> find(String providerType, String model) {
        String name = model.toLowerCase(Locale.ROOT);
        // A provider's own kind first, then resellers that list vendor/model names, then anyone.
        List<String> order = List.of(providerType, "openrouter");
        for (String provider : order) {
            for (Entry e : entries) {
                if (e.provider().equals(provider) && matches(e.match(), name)) {
                    return Optional.of(new Price(e.input(), e.output(), e.provider() + "/" + e.id()));
                }
            }
        }
        String bare = name.contains("/") ? name.substring(name.lastIndexOf('/') + 1) : name;
        for (Entry e : entries) {
            if (matches(e.match(), name) || matches(e.match(), bare)) {
                return Optional.of(new Price(e.input(), e.output(), e.provider() + "/" + e.id()));
            }
        }
        return Optional.empty();
    }

    /** The catalogue's match rules: equals, starts_with, ends_with, contains, regex, or, and. */
    static boolean matches(JsonNode rule, String name) {
        if (rule == null || !rule.isObject()) {
            return false;
        }
        Map.Entry<String, JsonNode> r = rule.properties().iterator().next();
        return switch (r.getKey()) {
            case "equals" -> name.equals(r.getValue().asText().toLowerCase(Locale.ROOT));
            case "starts_with" -> name.startsWith(r.getValue().asText().toLowerCase(Locale.ROOT));
            case "ends_with" -> name.endsWith(r.getValue().asText().toLowerCase(Locale.ROOT));
            case "contains" -> name.contains(r.getValue().asText().toLowerCase(Locale.ROOT));
            case "regex" -> Pattern.compile(r.getValue().asText(), Pattern.CASE_INSENSITIVE).matcher(name).find();
            case "or" -> {
                for (JsonNode each : r.getValue()) {
                    if (matches(each, name)) {
                        yield true;
                    }
                }
                yield false;
            }
            case "and" -> {
                for (JsonNode each : r.getValue()) {
                    if (!matches(each, name)) {
                        yield false;
                    }
                }
                yield true;
            }
            default -> false;
        };
    }

    /** How many models the catalogue prices, per provider (for the cache-status page). */
    public Map<String, Long> sizes() {
        Map<String, Long> out = new LinkedHashMap<>();
        entries.forEach(e -> out.merge(e.provider(), 1L, Long::sum));
        return out;
    }
}
