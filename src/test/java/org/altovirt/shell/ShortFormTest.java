package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShortFormTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Protocol protocol = TestProtocol.protocol();

    private JsonNode args(String command, String... words) throws RejectedInput {
        return ShortForm.arguments(protocol.command(command).orElseThrow(), List.of(words));
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void aStringStaysAString() throws Exception {
        assertThat(args("device_del", "id=drive-0")).isEqualTo(json("{\"id\":\"drive-0\"}"));
    }

    @Test
    void anIntegerTakesDecimalHexAndSizes() throws Exception {
        assertThat(args("balloon", "value=2G")).isEqualTo(json("{\"value\":2147483648}"));
        assertThat(args("balloon", "value=512M")).isEqualTo(json("{\"value\":536870912}"));
        assertThat(args("balloon", "value=4k")).isEqualTo(json("{\"value\":4096}"));
        assertThat(args("balloon", "value=1GiB")).isEqualTo(json("{\"value\":1073741824}"));
        assertThat(args("balloon", "value=0x1000")).isEqualTo(json("{\"value\":4096}"));
        assertThat(args("balloon", "value=123")).isEqualTo(json("{\"value\":123}"));
        assertThat(args("device_add", "id=d", "driver=virtio-blk-mmio", "lun=0")).isEqualTo(
                json("{\"id\":\"d\",\"driver\":\"virtio-blk-mmio\",\"lun\":0}"));
    }

    @Test
    void anIntegerThatIsNotOneIsRefusedNamingTheField() {
        assertThatThrownBy(() -> args("balloon", "value=lots"))
                .isInstanceOf(RejectedInput.class)
                .hasMessage("value: 'lots' is not an integer (digits, 0x hex, or a size such as 512M or 2G)");
        assertThatThrownBy(() -> args("balloon", "value=99999999999P")).hasMessageStartingWith("value: '99999999999P' is not an integer");
    }

    @Test
    void booleansTakeTrueFalseOnOffYesNo() throws Exception {
        for (String yes : List.of("true", "on", "yes", "YES")) {
            assertThat(args("blockdev-add", "cache.direct=" + yes).at("/cache/direct").asBoolean()).as(yes).isTrue();
        }
        for (String no : List.of("false", "off", "no")) {
            JsonNode v = args("blockdev-add", "read-only=" + no).get("read-only");
            assertThat(v.isBoolean() && !v.asBoolean()).as(no).isTrue();
        }
        assertThatThrownBy(() -> args("blockdev-add", "read-only=maybe"))
                .hasMessage("read-only: 'maybe' is not a boolean (true/false, on/off, yes/no)");
    }

    @Test
    void dottedKeysBuildNestedObjects() throws Exception {
        assertThat(args("blockdev-add", "node-name=d0", "file.driver=file", "file.filename=/tmp/d.img", "cache.direct=true"))
                .isEqualTo(json("{\"node-name\":\"d0\",\"file\":{\"driver\":\"file\",\"filename\":\"/tmp/d.img\"},"
                        + "\"cache\":{\"direct\":true}}"));
    }

    @Test
    void aNestedObjectMayBeWrittenAsJson() throws Exception {
        assertThat(args("blockdev-add", "file={\"driver\":\"file\",\"filename\":\"/x\"}").get("file"))
                .isEqualTo(json("{\"driver\":\"file\",\"filename\":\"/x\"}"));
        assertThatThrownBy(() -> args("blockdev-add", "file={oops"))
                .hasMessageStartingWith("file: '{oops' is not valid JSON");
    }

    @Test
    void anArrayTakesCommaSeparatedItems() throws Exception {
        assertThat(args("qmp_capabilities", "enable=oob,other")).isEqualTo(json("{\"enable\":[\"oob\",\"other\"]}"));
        assertThat(args("qmp_capabilities", "enable=")).isEqualTo(json("{\"enable\":[]}"));
        assertThat(args("qmp_capabilities", "enable=[\"oob\"]")).isEqualTo(json("{\"enable\":[\"oob\"]}"));
    }

    @Test
    void anUnknownKeyIsKeptAsItReadsForTheCheckToReport() throws Exception {
        assertThat(args("stop", "force=1")).isEqualTo(json("{\"force\":1}"));
        assertThat(args("stop", "why=because")).isEqualTo(json("{\"why\":\"because\"}"));
    }

    @Test
    void aKeyGivenTwiceOrAsValueAndObjectIsRefused() {
        assertThatThrownBy(() -> args("device_del", "id=a", "id=b")).hasMessage("id: given twice");
        assertThatThrownBy(() -> args("stop", "x=1", "x.y=2")).hasMessage("x: given both as a value and as an object");
        assertThatThrownBy(() -> args("stop", "x.y=2", "x=1")).hasMessage("x: given both as a value and as an object");
        assertThatThrownBy(() -> args("blockdev-add", "file=x"))
                .hasMessage("file: 'x' is not an object (name its members with dots, or write it as JSON)");
    }

    @Test
    void aWordWithoutEqualsIsRefusedListingTheArguments() {
        assertThatThrownBy(() -> args("device_del", "drive-0"))
                .hasMessage("drive-0: expected name=value (device_del's arguments: id)");
        assertThatThrownBy(() -> args("device_del", "=x")).hasMessage("'=x' has no name before '='");
        assertThatThrownBy(() -> args("blockdev-add", "file..driver=file")).hasMessage("file..driver: a dotted name has an empty part");
    }

    @Test
    void integersOutsideSixtyFourBitsAreNotIntegers() {
        assertThat(ShortForm.integer("9223372036854775807")).contains(Long.MAX_VALUE);
        assertThat(ShortForm.integer("9223372036854775808")).isEmpty();
        assertThat(ShortForm.integer("-5")).contains(-5L);
        assertThat(ShortForm.integer("8E")).isEmpty();
        assertThat(ShortForm.integer("0x")).isEmpty();
        assertThat(ShortForm.integer("2T")).contains(2L << 40);
    }
}
