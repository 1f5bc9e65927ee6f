package org.altovirt.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamDecoderTest {
    private final ObjectMapper json = new ObjectMapper();
    private final StreamDecoder decoder = new StreamDecoder(json, 1024);

    private List<StreamDecoder.Item> feed(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return decoder.feed(b, 0, b.length);
    }

    private List<String> values(List<StreamDecoder.Item> items) {
        List<String> out = new ArrayList<>();
        for (StreamDecoder.Item i : items) {
            out.add(i instanceof StreamDecoder.Item.Value v ? v.node().toString() : i.toString());
        }
        return out;
    }

    @Test
    void aValueNeedsNoNewline() {
        assertThat(values(feed("{\"execute\":\"stop\"}"))).containsExactly("{\"execute\":\"stop\"}");
    }

    @Test
    void twoValuesInOneReadComeOutInOrder() {
        assertThat(values(feed("{\"a\":1}{\"b\":2}\r\n {\"c\":[3]}")))
                .containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":[3]}");
    }

    @Test
    void aValueSplitByteByByteComesOutOnceComplete() {
        String text = "{\"execute\":\"query-status\",\"id\":{\"n\":[1,\"}\"]}}";
        List<String> out = new ArrayList<>();
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            List<String> got = values(decoder.feed(b, i, 1));
            if (i < b.length - 1) {
                assertThat(got).as("after byte %d", i).isEmpty();
            }
            out.addAll(got);
        }
        assertThat(out).containsExactly(text);
    }

    @Test
    void aMultiByteCharacterSplitAcrossReads() {
        byte[] b = "{\"name\":\"vm-é\"}".getBytes(StandardCharsets.UTF_8);
        int split = b.length - 3; // inside the two bytes of é
        assertThat(decoder.feed(b, 0, split)).isEmpty();
        assertThat(values(decoder.feed(b, split, b.length - split))).containsExactly("{\"name\":\"vm-é\"}");
    }

    @Test
    void aTopLevelScalarEndsAtTheNextDelimiter() {
        assertThat(feed("42")).isEmpty();
        assertThat(values(feed(" [1]"))).containsExactly("42", "[1]");
    }

    @Test
    void malformedInputIsReportedAndTheNextLineDecodes() {
        List<StreamDecoder.Item> items = feed("{\"execute\": nope}\n{\"execute\":\"cont\"}");
        assertThat(items).hasSize(2);
        assertThat(items.get(0)).isInstanceOf(StreamDecoder.Item.Malformed.class);
        assertThat(((StreamDecoder.Item.Malformed) items.get(0)).detail()).contains("nope");
        assertThat(values(items.subList(1, 2))).containsExactly("{\"execute\":\"cont\"}");
    }

    @Test
    void valuesBeforeMalformedInputInTheSameReadAreKept() {
        List<StreamDecoder.Item> items = feed("{\"a\":1} ]\n{\"b\":2}");
        assertThat(items).hasSize(3);
        assertThat(items.get(0)).isEqualTo(new StreamDecoder.Item.Value(json.createObjectNode().put("a", 1)));
        assertThat(items.get(1)).isInstanceOf(StreamDecoder.Item.Malformed.class);
        assertThat(items.get(2)).isEqualTo(new StreamDecoder.Item.Value(json.createObjectNode().put("b", 2)));
    }

    @Test
    void moreThanTheLimitWithoutACompleteValueIsOversized() {
        assertThat(feed("{\"a\":1}")).hasSize(1);
        String big = "\"" + "x".repeat(1100);
        List<StreamDecoder.Item> items = feed(big);
        assertThat(items).containsExactly(new StreamDecoder.Item.Oversized(1024));
        assertThat(feed("\"{}")).as("nothing after oversize").isEmpty();
    }

    @Test
    void manyCompleteValuesTogetherOverTheLimitAreFine() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            sb.append("{\"execute\":\"query-status\"}");
        }
        List<StreamDecoder.Item> items = feed(sb.toString());
        assertThat(items).hasSize(100).allMatch(i -> i instanceof StreamDecoder.Item.Value);
    }

    @Test
    void nestingBeyondJacksonsLimitIsMalformedNotACrash() {
        String deep = "[".repeat(2000);
        List<StreamDecoder.Item> items = new StreamDecoder(json).feed(deep.getBytes(StandardCharsets.UTF_8), 0, deep.length());
        assertThat(items).hasSize(1);
        assertThat(items.get(0)).isInstanceOf(StreamDecoder.Item.Malformed.class);
    }
}
