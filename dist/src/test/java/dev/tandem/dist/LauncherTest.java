package dev.tandem.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tarball runs wherever it is unpacked, through symlinks, with its own runtime; no Java is a clear error. */
class LauncherTest {

    @TempDir
    Path tmp;

    /** A PATH with the tools the launcher uses and no java. */
    private Path toolsWithoutJava() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("tools"));
        for (String tool : new String[] {"sh", "readlink", "sed"}) {
            Path real = Path.of("/usr/bin", tool);
            Files.createSymbolicLink(bin.resolve(tool), Files.exists(real) ? real : Path.of("/bin", tool));
        }
        return bin;
    }

    @Test
    void tarballUnpackedUnderASpaceRunsTheDemoWithItsOwnRuntime() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("opt with space"));
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "HOME", tmp.toString(), "LANG", "C.UTF-8");
        Dist.run(dir, env, 120, "tar", "-xzf", Dist.tarball().toString()).ok();
        Path bin = dir.resolve(Dist.tree().getFileName()).resolve("bin/tandem");
        // through a symlink elsewhere, as /usr/bin/tandem; no Java on PATH, no JAVA_HOME: the bundled runtime runs
        Path link = tmp.resolve("tandem");
        Files.createSymbolicLink(link, bin);
        Map<String, String> noJava = Map.of("PATH", toolsWithoutJava().toString(), "HOME", tmp.toString());
        Dist.Result version = Dist.run(tmp, noJava, 60, link.toString(), "--version").ok();
        assertThat(version.out()).contains("tandem " + Dist.VERSION, "commit ",
                "runtime ", bin.getParent().getParent().resolve("lib/runtime").toString());
        // the class-data archive, made where the tree now is, maps (-Xshare:on fails if it cannot)
        Dist.run(tmp, env, 300, bin.getParent().getParent().resolve("lib/make-class-data-archive").toString()).ok();
        assertThat(bin.getParent().getParent().resolve("lib/tandem.jsa")).isRegularFile();
        Map<String, String> shareOn = Map.of("PATH", "/usr/bin:/bin", "HOME", tmp.toString(), "JAVA_OPTS",
                "-Xshare:on");
        Dist.run(tmp, shareOn, 60, bin.toString(), "--version").ok();
        Dist.Result demo = Dist.run(dir, env, 600, bin.toString(), "demo", "--dir", tmp.resolve("demo").toString())
                .ok();
        assertThat(demo.out()).containsIgnoringCase("good");
    }

    /**
     * The JVM parses the whole manifest of every jar it defines a package from, at every start: the libraries' lists
     * of per-class digests (bcprov's: 5,933 entries, 855 KB) cost a small install 0.08 s and 10 MiB of RSS. dist.sh
     * keeps only the main sections of unsigned jars; what the JVM reads there (Multi-Release) stays.
     */
    @Test
    void theLibrariesManifestsHaveNoPerEntrySections() throws Exception {
        try (var jars = Files.newDirectoryStream(Dist.tree().resolve("lib"), "*.jar")) {
            for (Path jar : jars) {
                try (JarFile file = new JarFile(jar.toFile())) {
                    Manifest manifest = file.getManifest();
                    if (manifest != null) {
                        assertThat(manifest.getEntries()).as("per-entry sections of %s", jar.getFileName())
                                .isEmpty();
                    }
                }
            }
        }
        try (JarFile bcprov = new JarFile(Dist.tree().resolve("lib").toFile().listFiles(
                (d, n) -> n.startsWith("bcprov-"))[0])) {
            assertThat(bcprov.getManifest().getMainAttributes().getValue("Multi-Release")).isEqualTo("true");
            assertThat(bcprov.isMultiRelease()).isTrue();
        }
    }

    @Test
    void noUsableJavaIsAClearError() throws Exception {
        // the tree without its runtime: tandem.jar and the launcher only
        Path root = tmp.resolve("no runtime");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("lib"));
        Files.copy(Dist.tree().resolve("bin/tandem"), root.resolve("bin/tandem"));
        try (var jars = Files.newDirectoryStream(Dist.tree().resolve("lib"), "*.{jar,jvm}")) {
            for (Path jar : jars) {
                Files.copy(jar, root.resolve("lib").resolve(jar.getFileName()));
            }
        }
        String tools = toolsWithoutJava().toString();

        Dist.Result none = Dist.run(tmp, Map.of("PATH", tools), 30, root.resolve("bin/tandem").toString(),
                "--version");
        assertThat(none.exit()).isEqualTo(1);
        assertThat(none.err().strip()).startsWith("tandem: no usable Java (17 or newer): ")
                .contains("no bundled runtime in " + root.resolve("lib/runtime"), "JAVA_HOME is not set",
                        "no java on PATH")
                .doesNotContain("\n");

        // a Java 11 in JAVA_HOME is refused by its release file, without starting it
        Path old = Files.createDirectories(tmp.resolve("jdk11/bin"));
        Files.writeString(old.getParent().resolve("release"), "JAVA_VERSION=\"11.0.22\"\n");
        Files.writeString(old.resolve("java"), "#!/bin/sh\necho started >&2\nexit 42\n");
        old.resolve("java").toFile().setExecutable(true);
        Dist.Result tooOld = Dist.run(tmp, Map.of("PATH", tools, "JAVA_HOME", old.getParent().toString()), 30,
                root.resolve("bin/tandem").toString(), "--version");
        assertThat(tooOld.exit()).isEqualTo(1);
        assertThat(tooOld.err()).contains(old.resolve("java") + " is Java 11").doesNotContain("started");

        // JAVA_HOME with a real Java 17+ is the fallback when there is no bundled runtime
        Dist.Result system = Dist.run(tmp, Map.of("PATH", tools, "JAVA_HOME", System.getProperty("java.home")), 60,
                root.resolve("bin/tandem").toString(), "--version");
        assertThat(system.exit()).as(system.err()).isZero();
        assertThat(system.out()).contains("runtime ", System.getProperty("java.home"));
    }

    /** A tree with the source tree's launcher, TANDEM_JVM as lib/tandem.jvm and a java that prints its arguments. */
    private Path treeWithEchoJava(String tandemJvm) throws Exception {
        Path root = tmp.resolve("echo");
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("lib/runtime/bin"));
        Files.copy(Dist.SOURCE.resolve("tandem"), root.resolve("bin/tandem"));
        Files.writeString(root.resolve("lib/tandem.jar"), "not read by the echoing java");
        Files.writeString(root.resolve("lib/tandem.jvm"), tandemJvm);
        Files.writeString(root.resolve("lib/runtime/release"), "JAVA_VERSION=\"17.0.9\"\n");
        Path java = root.resolve("lib/runtime/bin/java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        java.toFile().setExecutable(true);
        return root.resolve("bin/tandem");
    }

    @Test
    void aLineNamingCommandsGivesItsOptionToThoseCommandsOnly() throws Exception {
        Path tandem = treeWithEchoJava("""
                # every command
                -Xmn4m
                status,boot-check: -XX:TieredStopAtLevel=1 # a comment
                install: -Dfor.install=1
                """);
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "HOME", tmp.toString());
        for (String[] args : new String[][] {{"status"}, {"--config", "/etc/x.toml", "--verbose", "boot-check"},
                {"--booted=B", "--progress", "json", "status", "--json"}}) {
            String out = Dist.run(tmp, env, 30, command(tandem, args)).ok().out();
            assertThat(out.lines()).as(String.join(" ", args)).contains("-Xmn4m", "-XX:TieredStopAtLevel=1")
                    .doesNotContain("-Dfor.install=1").noneMatch(l -> l.contains(":") && !l.startsWith("-"));
        }
        for (String[] args : new String[][] {{"install", "status"}, {"--config", "status", "install"}}) {
            String out = Dist.run(tmp, env, 30, command(tandem, args)).ok().out();
            assertThat(out.lines()).as(String.join(" ", args)).contains("-Xmn4m", "-Dfor.install=1")
                    .doesNotContain("-XX:TieredStopAtLevel=1");
        }
        // Not a command after global options (as Main reads them): the options for every command alone.
        for (String[] args : new String[][] {{}, {"--bogus", "status"}, {"-h", "status"}, {"help", "status"},
                {"--config"}, {"stat.s"}, {"boot"}, {"check"}}) {
            String out = Dist.run(tmp, env, 30, command(tandem, args)).ok().out();
            assertThat(out.lines()).as(String.join(" ", args)).contains("-Xmn4m")
                    .doesNotContain("-XX:TieredStopAtLevel=1", "-Dfor.install=1");
        }
    }

    private static String[] command(Path tandem, String... args) {
        String[] c = new String[args.length + 1];
        c[0] = tandem.toString();
        System.arraycopy(args, 0, c, 1, args.length);
        return c;
    }
}
