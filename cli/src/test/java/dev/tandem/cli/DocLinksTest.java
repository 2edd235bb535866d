package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every link in the repository's Markdown documents that is not a web address resolves to a file or directory
 * inside the repository, and a {@code #fragment} into a Markdown file names one of its headings. The docs cite
 * only the project's own files (ARCHITECTURE.md says where each thing is); a moved or renamed file must not leave
 * a dangling link behind. Lives in cli because the CLI's tests already run from inside the repository.
 */
class DocLinksTest {

    private static final Pattern FENCE = Pattern.compile("^```.*?^```", Pattern.MULTILINE | Pattern.DOTALL);
    private static final Pattern CODE_SPAN = Pattern.compile("`[^`\n]*`");
    /** An inline link or image {@code [text](target "title")}, or a reference definition {@code [id]: target}. */
    private static final Pattern LINK = Pattern.compile(
            "\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)|^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s|$)",
            Pattern.MULTILINE);
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$", Pattern.MULTILINE);
    private static final Pattern NOT_IN_SLUG = Pattern.compile("[^\\w\\- ]", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Set<String> SKIPPED_DIRS = Set.of("target", "node_modules", ".git");

    @Test
    void everyDocLinkResolvesInsideTheRepository() throws IOException {
        Path root = repositoryRoot();
        List<Path> docs = markdownFiles(root);
        assertThat(docs).as("Markdown files under %s", root)
                .contains(root.resolve("ARCHITECTURE.md"), root.resolve("README.md"));
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path doc : docs) {
            for (String target : links(Files.readString(doc))) {
                if (target.matches("(?i)(https?|mailto):.*")) {
                    continue;
                }
                checked++;
                String problem = problem(root, doc, target);
                if (problem != null) {
                    broken.add(root.relativize(doc) + ": (" + target + ") " + problem);
                }
            }
        }
        assertThat(checked).as("links checked").isGreaterThan(20);
        assertThat(broken).as("links that do not resolve inside the repository").isEmpty();
    }

    @Test
    void theCheckFindsWhatItMustFind() {
        String text = """
                See [a](ARCHITECTURE.md), [b](docs/missing.md "title"), ![c](img.png) and [d](https://example.com).
                ```
                [not a link](nowhere.md)
                ```
                Also `[code](code.md)` is not a link.

                [ref]: SECURITY.md#threats
                """;
        assertThat(links(text)).containsExactly("ARCHITECTURE.md", "docs/missing.md", "img.png",
                "https://example.com", "SECURITY.md#threats");
        assertThat(slug("7. The device agent (device-agent)")).isEqualTo("7-the-device-agent-device-agent");
        assertThat(slug("Outcome → feedback (one enum: `UpdateStatus`)"))
                .isEqualTo("outcome--feedback-one-enum-updatestatus");
    }

    /** Why {@code target}, written in {@code doc}, does not resolve, or null when it does. */
    private static String problem(Path root, Path doc, String target) throws IOException {
        if (target.startsWith("/") || target.matches("[A-Za-z][A-Za-z0-9+.-]*:.*")) {
            return "not a path relative to the document";
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        Path resolved = path.isEmpty() ? doc : doc.getParent().resolve(path).normalize();
        if (!resolved.startsWith(root)) {
            return "points outside the repository";
        }
        if (!Files.exists(resolved)) {
            return "no such file";
        }
        if (hash >= 0 && resolved.toString().endsWith(".md")) {
            String fragment = target.substring(hash + 1);
            if (!headings(Files.readString(resolved)).contains(fragment)) {
                return "no heading #" + fragment + " in " + root.relativize(resolved);
            }
        }
        return null;
    }

    private static List<String> links(String markdown) {
        String text = CODE_SPAN.matcher(FENCE.matcher(markdown).replaceAll("")).replaceAll("");
        List<String> out = new ArrayList<>();
        Matcher m = LINK.matcher(text);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    /** The anchors GitHub gives the headings of a document. */
    private static Set<String> headings(String markdown) {
        Set<String> out = new HashSet<>();
        Matcher m = HEADING.matcher(FENCE.matcher(markdown).replaceAll(""));
        while (m.find()) {
            out.add(slug(m.group(1)));
        }
        return out;
    }

    private static String slug(String heading) {
        return NOT_IN_SLUG.matcher(heading.toLowerCase(Locale.ROOT)).replaceAll("").replace(' ', '-');
    }

    private static List<Path> markdownFiles(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".md") && Files.isRegularFile(p))
                    .filter(p -> Stream.iterate(root.relativize(p), q -> q != null, Path::getParent)
                            .noneMatch(q -> SKIPPED_DIRS.contains(q.getFileName().toString())))
                    .sorted().toList();
        }
    }

    /** The directory above the module holding the root pom and ARCHITECTURE.md. */
    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isRegularFile(p.resolve("ARCHITECTURE.md"))
                && Files.isRegularFile(p.resolve("pom.xml")))) {
            p = p.getParent();
        }
        assertThat(p).as("the repository root (ARCHITECTURE.md and pom.xml) above the working directory").isNotNull();
        return p;
    }
}
