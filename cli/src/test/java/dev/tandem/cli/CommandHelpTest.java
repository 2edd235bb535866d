package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command and subcommand of the real command tree answers {@code --help}, {@code -h} and
 * {@code tandem help <path...>} with its own usage (exit 0, nothing on stderr), and unknown help topics are usage
 * errors.
 */
class CommandHelpTest {

    /** The word paths of every command below {@code tandem}, found by walking picocli's tree. */
    static List<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        walk(Main.commandLine(), new ArrayList<>(), paths);
        return paths;
    }

    private static void walk(CommandLine cli, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        cli.getSubcommands().forEach((name, sub) -> {
            // Aliases would list a command twice; picocli maps each alias to the same CommandLine.
            if (name.equals(sub.getCommandName())) {
                path.add(name);
                walk(sub, path, out);
                path.remove(path.size() - 1);
            }
        });
    }

    static String[] args(List<String> path, String... more) {
        List<String> a = new ArrayList<>(path);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Whether {@code out} holds the usage of the command at {@code path}: a line "Usage: tandem bundle create ...". */
    static boolean isUsageOf(String out, List<String> path) {
        String usage = "Usage: " + String.join(" ", args(List.of("tandem"), path.toArray(String[]::new))) + " ";
        return out.lines().anyMatch(l -> l.startsWith(usage));
    }

    @Test
    void theTreeHoldsTheNestedCommands() {
        assertThat(commandPaths()).contains(List.of(), List.of("install"), List.of("bundle", "create"),
                List.of("pki", "dev-ca"), List.of("bundle", "help"));
    }

    @Test
    void everyCommandAnswersDashDashHelpAndDashH() {
        for (List<String> path : commandPaths()) {
            for (String flag : List.of("--help", "-h")) {
                Tandem.Result r = Tandem.run(args(path, flag));
                assertThat(r.exitCode()).as(path + " " + flag + "\n" + r).isZero();
                assertThat(r.err()).as(path + " " + flag).isEmpty();
                assertThat(isUsageOf(r.out(), path)).as(path + " " + flag).isTrue();
            }
        }
    }

    @Test
    void helpNamesEveryCommandAtEveryDepth() {
        for (List<String> path : commandPaths()) {
            if (path.isEmpty()) {
                continue;
            }
            Tandem.Result r = Tandem.run(args(List.of("help"), path.toArray(String[]::new)));
            assertThat(r.exitCode()).as("help " + path + "\n" + r).isZero();
            assertThat(isUsageOf(r.out(), path)).as("help " + path).isTrue();
            if (path.size() == 2) {
                // And from the parent: tandem bundle help create.
                Tandem.Result p = Tandem.run(path.get(0), "help", path.get(1));
                assertThat(p.exitCode()).as(p.toString()).isZero();
                assertThat(isUsageOf(p.out(), path)).as(p.toString()).isTrue();
            }
        }
    }

    @Test
    void helpBundleCreateIsBundleCreatesHelp() {
        Tandem.Result r = Tandem.run("help", "bundle", "create");
        assertThat(isUsageOf(r.out(), List.of("bundle", "create"))).as(r.toString()).isTrue();
        assertThat(r.out()).contains("--image");
    }

    /** README.md at the repository root (tests run in the module directory). */
    static String readme() throws java.io.IOException {
        return java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
    }

    @Test
    void readmeAndHelpListTheSameExitCodes() throws Exception {
        Map<String, String> readme = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^\\| (\\d) \\| (.+) \\|$").matcher(readme());
        while (m.find()) {
            readme.put(m.group(1), m.group(2).replace("`", ""));
        }
        Map<String, String> help = Main.commandLine().getCommandSpec().usageMessage().exitCodeList();
        assertThat(readme).containsExactlyEntriesOf(help);
        assertThat(help.keySet()).containsExactly(java.util.Arrays.stream(ExitCode.values())
                .map(c -> String.valueOf(c.code())).toArray(String[]::new));
        assertThat(Tandem.run("--help").out()).contains("Exit codes:").contains(help.get("9"));
    }

    @Test
    void readmeShowsEveryCommand() throws Exception {
        String readme = readme();
        for (List<String> path : commandPaths()) {
            if (path.isEmpty() || path.get(path.size() - 1).equals("help") && path.size() > 1) {
                continue;
            }
            String line = "tandem " + String.join(" ", path);
            if (!path.get(0).startsWith("mark-")) {
                assertThat(readme).as(line).contains(line + " ");
            }
        }
        assertThat(readme).contains("tandem mark-good | mark-bad | mark-active");
    }

    @Test
    void helpForAnUnknownCommandIsAUsageError() {
        Tandem.Result r = Tandem.run("help", "bundle", "nope");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.errLines()).singleElement().asString().startsWith("tandem: ").contains("nope");
    }
}
