package org.altovirt.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeyValuesTest {

    @Test
    void impliedKeyFlagsAndValues() throws ConfigException {
        KeyValues kv = KeyValues.parse("tap,id=n0,vhost,ifname=a=b,", "type").named("-netdev x");

        assertThat(kv.string("type")).isEqualTo("tap");
        assertThat(kv.string("id")).isEqualTo("n0");
        assertThat(kv.onOff("vhost", false)).isTrue();
        assertThat(kv.string("ifname")).isEqualTo("a=b");
        assertThat(kv.has("queues")).isFalse();
        assertThat(kv.string("queues")).isNull();
    }

    @Test
    void doubledCommasAreLiteral() throws ConfigException {
        KeyValues kv = KeyValues.parse("file=/a,,b,,,id=x", null);

        assertThat(kv.string("file")).isEqualTo("/a,b,");
        assertThat(kv.string("id")).isEqualTo("x");
    }

    @Test
    void aBareWordWhereAValueIsNeeded() {
        KeyValues kv = KeyValues.parse("id,file=/x", null).named("-drive id,file=/x");

        assertThatThrownBy(() -> kv.string("id")).isInstanceOf(ConfigException.class)
                .hasMessage("-drive id,file=/x: id needs a value (id=...)");
    }

    @Test
    void unknownAndRepeatedKeys() {
        KeyValues kv = KeyValues.parse("a=1,b=2,a=3", null).named("-x a=1,b=2,a=3");

        assertThatThrownBy(() -> kv.allow(List.of("a"))).hasMessage("-x a=1,b=2,a=3: unknown parameter 'b' (allowed: a)");
        assertThatThrownBy(() -> kv.allow(List.of("a", "b"))).hasMessage("-x a=1,b=2,a=3: parameter 'a' is given twice");
    }
}
