package dev.tandem.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Yocto recipe and the Buildroot package (not built here: no bitbake, no Buildroot) install the same files as
 * the .deb: their install commands are read (install -m/-D, cp -R, ln -s), applied to the tarball's tree, and the
 * resulting paths compared with dpkg-deb -c, apart from what only a Debian package has.
 */
class ContribRecipesTest {

    /** Files only the .deb has: Debian's own metadata. */
    private static final List<String> DEBIAN_ONLY = List.of("/usr/share/doc/tandem/copyright",
            "/usr/share/doc/tandem/changelog.gz", "/usr/share/lintian/overrides/tandem");

    @Test
    void yoctoRecipeInstallsTheDebsFiles() throws Exception {
        Path bb = Dist.SOURCE.resolve("contrib/yocto/recipes-core/tandem/tandem_0.1.0.bb");
        List<String> commands = block(Files.readAllLines(bb), "do_install() {", "}");
        Map<String, String> vars = Map.ofEntries(Map.entry("${D}", ""), Map.entry("${S}", "@"),
                Map.entry("${prefix}", "/usr"), Map.entry("${bindir}", "/usr/bin"),
                Map.entry("${systemd_system_unitdir}", "/lib/systemd/system"), Map.entry("${sysconfdir}", "/etc"),
                Map.entry("${mandir}", "/usr/share/man"), Map.entry("${datadir}", "/usr/share"),
                Map.entry("${docdir}", "/usr/share/doc"));
        assertThat(installed(commands, vars)).isEqualTo(debFiles());
        // SYSTEMD_AUTO_ENABLE enables every listed unit: the agent must not be among them
        assertThat(Files.readString(bb)).contains("SYSTEMD_SERVICE:${PN} = \"tandem-boot-check.service\"\n",
                "make-class-data-archive");
    }

    @Test
    void buildrootPackageInstallsTheDebsFiles() throws Exception {
        Path mk = Dist.SOURCE.resolve("contrib/buildroot/package/tandem/tandem.mk");
        List<String> lines = Files.readAllLines(mk);
        List<String> commands = new ArrayList<>(block(lines, "define TANDEM_INSTALL_TARGET_CMDS", "endef"));
        commands.addAll(block(lines, "define TANDEM_INSTALL_INIT_SYSTEMD", "endef"));
        Map<String, String> vars = Map.of("$(TARGET_DIR)", "", "$(@D)", "@", "$(INSTALL)", "install");
        Set<String> files = installed(commands, vars);
        // Buildroot enables a unit with a link (the .deb's postinst does it), and uses the merged /usr path
        assertThat(files).contains("/etc/systemd/system/multi-user.target.wants/tandem-boot-check.service");
        files.remove("/etc/systemd/system/multi-user.target.wants/tandem-boot-check.service");
        Set<String> merged = files.stream().map(f -> f.replaceFirst("^/usr/lib/systemd/", "/lib/systemd/"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(merged).isEqualTo(debFiles());
        assertThat(Files.readString(Dist.SOURCE.resolve("contrib/buildroot/package/tandem/Config.in")))
                .contains("config BR2_PACKAGE_TANDEM");
    }

    /** The .deb's files and links (not directories), man pages without .gz, Debian-only files left out. */
    private static Set<String> debFiles() throws Exception {
        Dist.Result r = Dist.run(Dist.TARGET, Map.of("PATH", "/usr/bin:/bin:/usr/sbin:/sbin"), 60, "dpkg-deb", "-c",
                Dist.deb().toString()).ok();
        Set<String> files = new TreeSet<>();
        for (String line : r.out().split("\n")) {
            if (line.startsWith("d")) {
                continue;
            }
            String name = line.replaceFirst("^\\S+\\s+\\S+\\s+\\d+\\s+\\S+\\s+\\S+\\s+\\.", "")
                    .replaceFirst(" -> .*$", "");
            if (name.startsWith("/usr/share/man/")) {
                name = name.replaceFirst("\\.gz$", "");
            }
            if (!DEBIAN_ONLY.contains(name) && !name.startsWith("/usr/share/lintian/")) {
                files.add(name);
            }
        }
        return files;
    }

    /** The lines between a start line and the end line, continuation lines joined. */
    private static List<String> block(List<String> lines, String start, String end) {
        int from = lines.indexOf(start);
        assertThat(from).as("'%s' in the recipe", start).isNotNegative();
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : lines.subList(from + 1, lines.size())) {
            if (line.strip().equals(end)) {
                break;
            }
            cur.append(line.strip());
            if (line.endsWith("\\")) {
                cur.setLength(cur.length() - 1);
                continue;
            }
            out.add(cur.toString());
            cur.setLength(0);
        }
        return out;
    }

    /** Applies install / cp -R / ln -s commands to the tarball's tree ("@" stands for it); returns the paths made. */
    private static Set<String> installed(List<String> commands, Map<String, String> vars) throws IOException {
        Path tree = Dist.tree();
        Set<String> made = new TreeSet<>();
        for (String command : commands) {
            String c = command;
            for (Map.Entry<String, String> v : vars.entrySet()) {
                c = c.replace(v.getKey(), v.getValue());
            }
            List<String> words = new ArrayList<>(Arrays.asList(c.trim().split("\\s+")));
            String tool = words.remove(0);
            List<String> args = words.stream().filter(w -> !w.startsWith("-")).collect(Collectors.toList());
            boolean isDirOnly = words.contains("-d");
            switch (tool) {
                case "install" -> {
                    if (isDirOnly) {
                        continue;
                    }
                    args.removeIf(a -> a.matches("0[0-7]{3}"));
                    String dest = args.remove(args.size() - 1);
                    for (String src : args) {
                        for (Path f : glob(tree, src)) {
                            made.add(dest.endsWith("/") ? dest + f.getFileName() : dest);
                        }
                    }
                }
                case "cp" -> {
                    String dest = args.remove(args.size() - 1);
                    for (String src : args) {
                        Path dir = tree.resolve(src.substring(2));
                        try (Stream<Path> s = Files.walk(dir)) {
                            for (Path f : s.filter(p -> !Files.isDirectory(p) || Files.isSymbolicLink(p)).toList()) {
                                made.add(dest + dir.getFileName() + "/" + dir.relativize(f));
                            }
                        }
                    }
                }
                case "ln" -> made.add(args.get(args.size() - 1).endsWith("/")
                        ? args.get(args.size() - 1) + Path.of(args.get(0)).getFileName() : args.get(args.size() - 1));
                default -> throw new AssertionError("a command this test does not read: " + command);
            }
        }
        return made;
    }

    /** "@/share/man/man1/*.1" against the tree. */
    private static List<Path> glob(Path tree, String pattern) throws IOException {
        assertThat(pattern).as("source inside the tarball's tree").startsWith("@/");
        Path full = tree.resolve(pattern.substring(2));
        if (!full.getFileName().toString().contains("*")) {
            assertThat(full).as("%s in the tarball", pattern).exists();
            return List.of(full);
        }
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + full.getFileName());
        try (Stream<Path> s = Files.list(full.getParent())) {
            List<Path> found = s.filter(p -> m.matches(p.getFileName())).sorted().toList();
            assertThat(found).as("%s in the tarball", pattern).isNotEmpty();
            return found;
        }
    }
}
