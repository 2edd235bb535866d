package dev.tandem.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A man page being written in troff (man macros): escapes text, keeps the macros in one place. */
final class ManPage {

    private static final Pattern PICOCLI_MARKUP = Pattern.compile("@\\|[\\w,]+ (.*?)\\|@");

    private final StringBuilder out = new StringBuilder();

    ManPage(String name, int section, String version, String manual) {
        out.append(".\\\" Generated at build time by dev.tandem.dist.Docs; do not edit.\n");
        out.append(".TH ").append(quote(name.toUpperCase(java.util.Locale.ROOT))).append(' ').append(section)
                .append(" \"\" ").append(quote("tandem " + version)).append(' ').append(quote(manual)).append('\n');
    }

    ManPage section(String title) {
        out.append(".SH ").append(quote(title)).append('\n');
        return this;
    }

    ManPage subsection(String title) {
        out.append(".SS ").append(quote(title)).append('\n');
        return this;
    }

    ManPage paragraph() {
        out.append(".PP\n");
        return this;
    }

    /** A tagged paragraph: the tag line (already troff, e.g. from {@link #bold}), then its text. */
    ManPage tagged(String tagTroff, String text) {
        out.append(".TP\n").append(tagTroff).append('\n');
        return text(text);
    }

    /** A tagged paragraph whose tag and text are already troff. */
    ManPage taggedTroff(String tagTroff, String textTroff) {
        out.append(".TP\n").append(line(tagTroff)).append('\n').append(line(textTroff)).append('\n');
        return this;
    }

    ManPage bullet(String textTroff) {
        out.append(".IP \\(bu 2\n").append(line(textTroff)).append('\n');
        return this;
    }

    /** Plain text: escaped, one output line per input line. */
    ManPage text(String text) {
        for (String line : text.split("\n", -1)) {
            if (!line.isBlank()) {
                out.append(line(escape(line.strip()))).append('\n');
            }
        }
        return this;
    }

    /** Text already in troff (inline fonts). */
    ManPage raw(String troff) {
        out.append(line(troff)).append('\n');
        return this;
    }

    /** Lines shown as they are (no filling), indented. */
    ManPage literal(List<String> lines) {
        out.append(".RS 4\n.nf\n");
        for (String l : lines) {
            out.append(line(escape(l))).append('\n');
        }
        out.append(".fi\n.RE\n");
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    static String bold(String text) {
        return "\\fB" + escape(text) + "\\fR";
    }

    static String italic(String text) {
        return "\\fI" + escape(text) + "\\fR";
    }

    /** Escapes text for troff: backslashes, hyphens (so options copy and paste as ASCII), and picocli markup. */
    static String escape(String text) {
        Matcher m = PICOCLI_MARKUP.matcher(text);
        String plain = m.replaceAll(r -> Matcher.quoteReplacement(r.group(1)));
        StringBuilder out = new StringBuilder();
        plain.codePoints().forEach(c -> {
            if (c == '\\') {
                out.append("\\e");
            } else if (c == '-') {
                out.append("\\-");
            } else if (c > 126) {
                out.append(String.format("\\[u%04X]", c)); // groff names every Unicode character so
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** A line starting with . or ' would be read as a request. */
    private static String line(String troff) {
        return troff.startsWith(".") || troff.startsWith("'") ? "\\&" + troff : troff;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\e").replace("\"", "\\(dq") + "\"";
    }

    /** Splits picocli's %n-separated text into lines. */
    static List<String> lines(String[] picocliText) {
        List<String> lines = new ArrayList<>();
        for (String s : picocliText) {
            for (String l : s.split("%n|\n", -1)) {
                lines.add(l);
            }
        }
        return lines;
    }
}
