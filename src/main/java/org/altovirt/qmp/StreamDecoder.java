package org.altovirt.qmp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a byte stream into JSON values by their own boundaries, not by lines: QEMU's python client
 * sends no newline, several commands may arrive in one read, and one command may arrive over many
 * (docs/facts.md §1). Built on Jackson's non-blocking parser; tokens are collected until a top-level
 * value closes, then turned into a tree.
 *
 * <p>After malformed input the rest of that line (up to the next newline in the same read) is
 * dropped and decoding starts afresh, so a person typing at {@code ncat} can go on. More than
 * {@link #limit} bytes without a complete value is {@link Item.Oversized}: the caller closes the
 * connection. Not thread-safe: one decoder per connection.
 */
public final class StreamDecoder {
    /** What the decoder found in the input, in order. */
    public sealed interface Item {
        /** A complete top-level JSON value. */
        record Value(JsonNode node) implements Item {}

        /** Input that is not JSON; {@code detail} says where and why. */
        record Malformed(String detail) implements Item {}

        /** Too many bytes without a complete value; nothing more will be decoded. */
        record Oversized(long limit) implements Item {}
    }

    /** QMP's bound on one value: 1 MiB. */
    public static final int DEFAULT_LIMIT = 1 << 20;

    private static final JsonFactory FACTORY = new JsonFactory();

    private final ObjectMapper mapper;
    private final long limit;
    private JsonParser parser;
    private ByteArrayFeeder feeder;
    private TokenBuffer tokens;
    private int depth;
    private long fed;
    private long lastValueEnd;
    private boolean oversized;

    public StreamDecoder(ObjectMapper mapper, long limit) {
        this.mapper = mapper;
        this.limit = limit;
        restart();
    }

    public StreamDecoder(ObjectMapper mapper) {
        this(mapper, DEFAULT_LIMIT);
    }

    /** Decodes {@code len} bytes from {@code buf} at {@code off}; returns what completed. */
    public List<Item> feed(byte[] buf, int off, int len) {
        List<Item> out = new ArrayList<>(1);
        if (oversized) {
            return out;
        }
        int start = off;
        int end = off + len;
        while (start < end) {
            long parserFedBefore = fed;
            try {
                feeder.feedInput(buf, start, end);
                fed += end - start;
                start = end;
                drain(out);
            } catch (JsonProcessingException e) {
                out.add(new Item.Malformed(describe(e)));
                int errorAt = start - (int) (fed - clampOffset(e, parserFedBefore, fed));
                start = skipLine(buf, Math.max(errorAt, off), end);
                restart();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (fed - lastValueEnd > limit) {
            oversized = true;
            out.add(new Item.Oversized(limit));
        }
        return out;
    }

    private void drain(List<Item> out) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.NOT_AVAILABLE && token != null) {
            tokens.copyCurrentEvent(parser);
            if (token.isStructStart()) {
                depth++;
            } else if (token.isStructEnd()) {
                depth--;
            }
            if (depth == 0) {
                try (JsonParser replay = tokens.asParser(mapper)) {
                    out.add(new Item.Value(mapper.readTree(replay)));
                }
                tokens = new TokenBuffer(parser, null);
                lastValueEnd = parser.currentLocation().getByteOffset();
            }
        }
    }

    private static long clampOffset(JsonProcessingException e, long low, long high) {
        long at = e.getLocation() == null ? high : e.getLocation().getByteOffset();
        return at < low ? low : Math.min(at, high);
    }

    private static int skipLine(byte[] buf, int from, int end) {
        for (int i = from; i < end; i++) {
            if (buf[i] == '\n') {
                return i + 1;
            }
        }
        return end;
    }

    private void restart() {
        try {
            if (parser != null) {
                parser.close();
            }
            parser = FACTORY.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
        tokens = new TokenBuffer(parser, null);
        depth = 0;
        fed = 0;
        lastValueEnd = 0;
    }

    private static String describe(JsonProcessingException e) {
        String msg = e.getOriginalMessage();
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }
}
