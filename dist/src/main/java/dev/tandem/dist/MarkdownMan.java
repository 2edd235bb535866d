package dev.tandem.dist;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the Markdown the project writes (CONFIG.md: headings, paragraphs, lists, fenced code, pipe tables) into
 * a man page. Not a general Markdown converter: what it does not know it prints as text.
 */
final class MarkdownMan {

    private MarkdownMan() {
    }

    static String convert(String markdown, String name, int section, String version, String summary) {
        ManPage page = new ManPage(name, section, version, "tandem manual");
        page.section("NAME").text(name + " - " + summary);
        boolean inCode = false;
        List<String> code = new ArrayList<>();
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                if (inCode) {
                    page.literal(code);
                    code.clear();
                }
                inCode = !inCode;
                continue;
            }
            if (inCode) {
                code.add(line);
                continue;
            }
            String t = line.strip();
            if (t.startsWith("# ")) {
                page.section("DESCRIPTION");
            } else if (t.startsWith("## ")) {
                page.section(plain(t.substring(3)).toUpperCase(java.util.Locale.ROOT));
            } else if (t.startsWith("### ")) {
                page.subsection(plain(t.substring(4)));
            } else if (t.startsWith("|")) {
                if (t.matches("\\|[-|: ]+\\|?")) {
                    continue; // the separator row
                }
                String[] cells = t.substring(1).split("\\|");
                List<String> rest = new ArrayList<>();
                for (int i = 1; i < cells.length; i++) {
                    if (!cells[i].isBlank()) {
                        rest.add(inline(cells[i].strip()));
                    }
                }
                String tag = inline(cells[0].strip());
                page.taggedTroff(tag, String.join(" \\(em ", rest));
            } else if (t.startsWith("- ") || t.startsWith("* ")) {
                page.bullet(inline(t.substring(2)));
            } else if (t.isEmpty()) {
                page.paragraph();
            } else {
                page.raw(inline(t));
            }
        }
        page.section("SEE ALSO").text("tandem(1), tandem-boot-check(1), tandem-install(1)");
        return page.toString();
    }

    /** Inline Markdown to troff: `code` and **strong** bold, _em_ italic, [text](link) to text. */
    static String inline(String md) {
        String s = ManPage.escape(stripDesignRefs(md));
        s = s.replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1");
        s = s.replaceAll("\\*\\*([^*]+)\\*\\*", "\\\\fB$1\\\\fR");
        s = s.replaceAll("`([^`]+)`", "\\\\fB$1\\\\fR");
        return s;
    }

    /** Plain text: Markdown markup removed. */
    static String plain(String md) {
        return stripDesignRefs(md).replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1").replace("**", "").replace("`", "");
    }

    /** References to ARCHITECTURE.md's sections mean little to a reader of the man page (it is not installed). */
    private static String stripDesignRefs(String md) {
        return md.replaceAll("\\s*\\(ARCHITECTURE.md §[^)]*\\)", "").replaceAll(" and in ARCHITECTURE.md §\\S+ table", "");
    }
}
