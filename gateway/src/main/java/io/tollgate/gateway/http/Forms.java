package io.tollgate.gateway.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.stream.RawFieldParser;

/**
 * The text fields of an HTML form body: {@code application/x-www-form-urlencoded} (the OAuth2 password
 * grant's format) or {@code multipart/form-data} (what seed 003's clients send), parsed by the JDK
 * and Apache mime4j. File parts are not expected and are refused.
 */
public final class Forms {
    private static final int MAX_FIELDS = 32;

    private Forms() {
    }

    public static boolean isForm(String contentType) {
        String t = contentType.toLowerCase(Locale.ROOT);
        return t.startsWith("application/x-www-form-urlencoded") || t.startsWith("multipart/form-data");
    }

    public static Map<String, String> fields(byte[] body, String contentType) {
        return contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")
                ? multipart(body, contentType) : urlEncoded(new String(body, StandardCharsets.UTF_8));
    }

    private static Map<String, String> urlEncoded(String body) {
        Map<String, String> out = new HashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                put(out, URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("invalid_form", "the form body is not valid URL encoding");
            }
        }
        return out;
    }

    private static Map<String, String> multipart(byte[] body, String contentType) {
        MimeConfig config = new MimeConfig.Builder().setMaxHeaderCount(16).setMaxLineLen(8192).setStrictParsing(true)
                .build();
        MimeTokenStream stream = new MimeTokenStream(config);
        Map<String, String> out = new HashMap<>();
        try {
            stream.parseHeadless(new ByteArrayInputStream(body), contentType);
            String name = null;
            for (EntityState s = stream.getState(); s != EntityState.T_END_OF_STREAM; s = stream.next()) {
                if (s == EntityState.T_START_BODYPART) {
                    name = null;
                } else if (s == EntityState.T_FIELD && stream.getField().getName().equalsIgnoreCase("Content-Disposition")) {
                    name = partName(stream.getField());
                } else if (s == EntityState.T_BODY && name != null) {
                    try (InputStream in = stream.getDecodedInputStream()) {
                        put(out, name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            }
        } catch (MimeException | IOException | IllegalArgumentException e) {
            throw ApiError.badRequest("invalid_form", "the multipart form body cannot be read: " + e.getMessage());
        }
        return out;
    }

    private static String partName(Field field) throws MimeException {
        RawField raw = field instanceof RawField r ? r : RawFieldParser.DEFAULT.parseField(field.getRaw());
        String name = null;
        for (NameValuePair p : RawFieldParser.DEFAULT.parseRawBody(raw).getParams()) {
            if (p.getName().equalsIgnoreCase("filename")) {
                throw ApiError.badRequest("invalid_form", "file uploads are not accepted here");
            }
            if (p.getName().equalsIgnoreCase("name")) {
                name = p.getValue();
            }
        }
        return name;
    }

    private static void put(Map<String, String> out, String name, String value) {
        if (out.size() >= MAX_FIELDS) {
            throw ApiError.badRequest("invalid_form", "the form has more than " + MAX_FIELDS + " fields");
        }
        if (name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
            throw ApiError.badRequest("invalid_form", "form fields must not contain NUL");
        }
        out.putIfAbsent(name, value);
    }
}
