package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;

class JsonPainterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSmallReplyStaysOnOneLineWithSpaces() throws Exception {
        AttributedString s = JsonPainter.paint(JSON.readTree("{\"return\":{\"running\":true,\"status\":\"running\"}}"));
        assertThat(s.toString()).isEqualTo("{\"return\": {\"running\": true, \"status\": \"running\"}}");
    }

    @Test
    void aLargeReplyGetsALinePerMemberIndentedByTwo() throws Exception {
        StringBuilder cpus = new StringBuilder("{\"return\":[");
        for (int i = 0; i < 3; i++) {
            cpus.append(i > 0 ? "," : "").append("{\"CPU\":").append(i).append(",\"current\":true,\"halted\":false,")
                    .append("\"qom_path\":\"/machine/unattached/device[").append(i).append("]\",\"thread_id\":1234}");
        }
        String text = JsonPainter.paint(JSON.readTree(cpus.append("]}").toString())).toString();
        assertThat(text).startsWith("{\n  \"return\": [\n    {\n      \"CPU\": 0,\n      \"current\": true,\n")
                .contains("\n    },\n    {\n      \"CPU\": 1,")
                .endsWith("\n    }\n  ]\n}");
        assertThat(JSON.readTree(text)).isEqualTo(JSON.readTree(cpus.toString()));
        assertThat(text.lines()).allMatch(l -> l.length() <= JsonPainter.WIDTH);
    }

    @Test
    void stylesMarkKeysStringsNumbersAndLiteralsButNotTheText() throws Exception {
        AttributedString s = JsonPainter.paint(JSON.readTree("{\"a\":\"x\",\"b\":1,\"c\":null}"));
        String text = s.toString();
        assertThat(s.styleAt(text.indexOf("\"a\""))).isEqualTo(JsonPainter.KEY);
        assertThat(s.styleAt(text.indexOf("\"x\""))).isEqualTo(JsonPainter.STRING);
        assertThat(s.styleAt(text.indexOf("1"))).isEqualTo(JsonPainter.NUMBER);
        assertThat(s.styleAt(text.indexOf("null"))).isEqualTo(JsonPainter.LITERAL);
        assertThat(s.toAnsi()).contains("\u001b[").isNotEqualTo(text);
    }

    @Test
    void stringsAreEscapedAsJson() throws Exception {
        assertThat(JsonPainter.paintInline(JSON.readTree("{\"k\\\"\":\"a\\nb\"}")).toString()).isEqualTo("{\"k\\\"\": \"a\\nb\"}");
    }
}
