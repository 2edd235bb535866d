package dev.tandem.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrubEnvBlockTest {

    static byte[] block(String body) {
        byte[] out = new byte[1024];
        java.util.Arrays.fill(out, (byte) '#');
        byte[] text = (GrubEnvBlock.HEADER + body).getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }

    @Test
    void writesHeaderLinesAndHashPaddingToOneKibibyte() {
        byte[] b = GrubEnvBlock.of(Map.of("ORDER", "A B")).toBytes();
        assertThat(b).hasSize(1024);
        assertThat(new String(b, 0, 35, StandardCharsets.US_ASCII)).isEqualTo("# GRUB Environment Block\nORDER=A B\n");
        assertThat(b[1023]).isEqualTo((byte) '#');
    }

    @Test
    void escapesBackslashesAndNewlinesAsGrubDoes() {
        byte[] b = GrubEnvBlock.of(Map.of("v", "a\\b\nc")).toBytes();
        assertThat(new String(b, StandardCharsets.ISO_8859_1)).startsWith(GrubEnvBlock.HEADER + "v=a\\\\b\\\nc\n#");
        assertThat(GrubEnvBlock.parse(b).orElseThrow().vars()).containsExactly(Map.entry("v", "a\\b\nc"));
    }

    @Test
    void takesTheLastValueOfARepeatedName() {
        assertThat(GrubEnvBlock.parse(block("K=1\nK=2\n")).orElseThrow().get("K")).contains("2");
    }

    @Test
    void skipsCommentLines() {
        assertThat(GrubEnvBlock.parse(block("# WARNING: do not edit\nK=1\n")).orElseThrow().vars())
                .containsExactly(Map.entry("K", "1"));
    }

    @Test
    void stopsAtAnUnterminatedLastLineAsGrubDoes() {
        byte[] b = GrubEnvBlock.HEADER.concat("A=1\nB=2").getBytes(StandardCharsets.US_ASCII);
        assertThat(GrubEnvBlock.parse(b).orElseThrow().vars()).containsExactly(Map.entry("A", "1"));
    }

    @Test
    void refusesABlockWithoutTheHeader() {
        assertThat(GrubEnvBlock.parse("ORDER=A B\n".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(GrubEnvBlock.parse(new byte[0])).isEmpty();
    }

    @Test
    void refusesVariablesThatDoNotFitTheBlock() {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("big", "x".repeat(1000));
        assertThatThrownBy(() -> GrubEnvBlock.of(vars).toBytes()).isInstanceOf(BootloaderException.class);
    }

    @Test
    void refusesNamesGrubCouldNotReadBack() {
        assertThatThrownBy(() -> GrubEnvBlock.of(Map.of("a=b", "1"))).isInstanceOf(BootloaderException.class);
        assertThatThrownBy(() -> GrubEnvBlock.of(Map.of("#x", "1"))).isInstanceOf(BootloaderException.class);
    }

    @Test
    void keepsBytesThatAreNotUtf8() {
        byte[] b = block("v=\u00ff\u0080\n");
        assertThat(GrubEnvBlock.parse(b).orElseThrow().toBytes()).isEqualTo(b);
    }
}
