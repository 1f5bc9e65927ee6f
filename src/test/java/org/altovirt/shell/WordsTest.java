package org.altovirt.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WordsTest {
    @Test
    void blanksSeparateWords() throws Exception {
        assertThat(Words.split("  device_del   id=drive-0 ")).containsExactly("device_del", "id=drive-0");
    }

    @Test
    void quotesKeepBlanksAnywhereInAWord() throws Exception {
        assertThat(Words.split("blockdev-add file.filename=\"/tmp/my disk.img\" x='a \"b\"' y=c\\ d"))
                .containsExactly("blockdev-add", "file.filename=/tmp/my disk.img", "x=a \"b\"", "y=c d");
    }

    @Test
    void doubleQuotesUnderstandEscapedQuotes() throws Exception {
        assertThat(Words.split("a=\"say \\\"hi\\\"\" b=''")).containsExactly("a=say \"hi\"", "b=");
    }

    @Test
    void anUnclosedQuoteIsRefusedWithItsColumn() {
        assertThatThrownBy(() -> Words.split("x=\"open"))
                .isInstanceOf(RejectedInput.class)
                .hasMessageContaining("column 3");
    }
}
