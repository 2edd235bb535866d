package dev.tandem.dist;

import dev.tandem.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes the man pages and the shell completion from the picocli model of the {@code tandem} command, and
 * {@code tandem-system.toml(5)} from CONFIG.md, at build time (dist's pom runs it):
 * <pre>OUT/man/man1/tandem.1, tandem-COMMAND[-SUB].1   one per command
 * OUT/man/man5/tandem-system.toml.5
 * OUT/bash-completion/completions/tandem            picocli's AutoComplete
 * OUT/zsh/vendor-completions/_tandem                 the same script, through zsh's bashcompinit</pre>
 * Usage: {@code Docs OUT VERSION README.md CONFIG.md}.
 */
public final class Docs {

    private Docs() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: Docs OUT VERSION README.md CONFIG.md");
        }
        Path out = Path.of(args[0]);
        String version = args[1];
        List<String[]> exitCodes = exitCodes(Files.readAllLines(Path.of(args[2])));
        CommandLine root = Main.commandLine();
        Path man1 = Files.createDirectories(out.resolve("man/man1"));
        for (CommandLine c : commands(root)) {
            write(man1.resolve(pageName(c) + ".1"), commandPage(c, version, exitCodes));
        }
        write(Files.createDirectories(out.resolve("man/man5")).resolve("tandem-system.toml.5"),
                MarkdownMan.convert(Files.readString(Path.of(args[3])), "tandem-system.toml", 5, version,
                        "the tandem system configuration"));
        // sourced by bash-completion, not run: no #! line
        String bash = AutoComplete.bash("tandem", root).replaceFirst("^#!/usr/bin/env bash\n", "");
        write(Files.createDirectories(out.resolve("bash-completion/completions")).resolve("tandem"), bash);
        write(Files.createDirectories(out.resolve("zsh/vendor-completions")).resolve("_tandem"), zsh(bash));
    }

    /** Every command of the tree, depth first, the root first. */
    public static List<CommandLine> commands(CommandLine root) {
        List<CommandLine> all = new ArrayList<>();
        all.add(root);
        for (CommandLine sub : root.getSubcommands().values()) {
            if (!all.contains(sub) && sub.getParent() == root) {
                all.addAll(commands(sub));
            }
        }
        return all.stream().distinct().collect(Collectors.toList());
    }

    /** tandem, tandem-install, tandem-bundle-create. */
    public static String pageName(CommandLine c) {
        return c.getCommandSpec().qualifiedName("-");
    }

    static String commandPage(CommandLine c, String version, List<String[]> exitCodes) {
        CommandSpec spec = c.getCommandSpec();
        String name = pageName(c);
        ManPage page = new ManPage(name, 1, version, "tandem manual");
        page.section("NAME").text(name + " - " + summary(spec));
        page.section("SYNOPSIS").raw(synopsis(spec));
        List<String> description = ManPage.lines(spec.usageMessage().description());
        if (description.stream().anyMatch(l -> !l.isBlank())) {
            page.section("DESCRIPTION");
            paragraphs(page, description);
        }
        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden())
                .collect(Collectors.toList());
        if (!params.isEmpty()) {
            page.section("ARGUMENTS");
            for (PositionalParamSpec p : params) {
                page.tagged(ManPage.italic(p.paramLabel()), String.join("\n", description(p.description(),
                        p.defaultValueString())));
            }
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).collect(Collectors.toList());
        if (!options.isEmpty()) {
            page.section("OPTIONS");
            for (OptionSpec o : options) {
                String tag = o.names().length == 0 ? "" : java.util.Arrays.stream(o.names()).map(ManPage::bold)
                        .collect(Collectors.joining(", "));
                if (o.arity().max() > 0) {
                    tag += " " + ManPage.italic(o.paramLabel());
                }
                page.tagged(tag, String.join("\n", description(o.description(), o.defaultValueString())));
            }
        }
        List<CommandLine> subs = c.getSubcommands().values().stream().distinct().collect(Collectors.toList());
        if (!subs.isEmpty()) {
            page.section("COMMANDS");
            for (CommandLine sub : subs) {
                page.tagged(ManPage.bold(sub.getCommandName()), summary(sub.getCommandSpec()) + "\nSee "
                        + pageName(sub) + "(1).");
            }
        }
        if (!exitCodes.isEmpty()) {
            page.section("EXIT STATUS");
            for (String[] code : exitCodes) {
                page.tagged(ManPage.bold(code[0]), code[1]);
            }
        }
        page.section("SEE ALSO");
        List<String> see = new ArrayList<>();
        if (c.getParent() != null) {
            see.add(pageName(c.getParent()) + "(1)");
        }
        for (CommandLine sub : subs) {
            see.add(pageName(sub) + "(1)");
        }
        see.add("tandem-system.toml(5)");
        page.text(String.join(", ", see));
        return page.toString();
    }

    private static String summary(CommandSpec spec) {
        for (String[] text : List.of(spec.usageMessage().header(), spec.usageMessage().description())) {
            for (String line : ManPage.lines(text)) {
                if (!line.isBlank()) {
                    return line.strip();
                }
            }
        }
        return "the " + spec.qualifiedName() + " command";
    }

    private static String synopsis(CommandSpec spec) {
        CommandLine.Help help = new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        String text = help.synopsis(0).strip();
        String name = spec.qualifiedName();
        String rest = text.startsWith(name) ? text.substring(name.length()) : " " + text;
        StringBuilder troff = new StringBuilder(ManPage.bold(name));
        for (String line : rest.split("\n")) {
            troff.append(ManPage.escape(line.strip().isEmpty() ? "" : " " + line.strip()));
        }
        return troff.toString();
    }

    private static List<String> description(String[] text, String defaultValue) {
        List<String> lines = new ArrayList<>();
        for (String line : ManPage.lines(text)) {
            lines.add(line.replace("${DEFAULT-VALUE}", String.valueOf(defaultValue)));
        }
        return lines;
    }

    /** Blank lines separate paragraphs. */
    private static void paragraphs(ManPage page, List<String> lines) {
        boolean first = true;
        for (String line : lines) {
            if (line.isBlank()) {
                first = true;
                continue;
            }
            if (first) {
                page.paragraph();
                first = false;
            }
            page.text(line);
        }
    }

    /** The rows of README's "Exit codes" table: {code, meaning}. */
    static List<String[]> exitCodes(List<String> readme) {
        List<String[]> codes = new ArrayList<>();
        boolean in = false;
        for (String line : readme) {
            if (line.startsWith("#")) {
                in = line.toLowerCase(java.util.Locale.ROOT).contains("exit codes");
            } else if (in && line.matches("\\|\\s*\\d+\\s*\\|.*")) {
                String[] cells = line.split("\\|");
                codes.add(new String[] {cells[1].strip(), MarkdownMan.plain(cells[2].strip())});
            }
        }
        return codes;
    }

    /** zsh: picocli's bash script through bashcompinit, as a completion function file. */
    static String zsh(String bash) {
        return "#compdef tandem\n"
                + "# zsh completion for tandem: picocli's bash completion through zsh's bashcompinit.\n"
                + "autoload -U +X bashcompinit && bashcompinit\n"
                + bash
                + "\n_complete_tandem \"$@\"\n";
    }

    /** Leaves an unchanged file alone: its time decides whether the tarball and the .deb are packed again. */
    private static void write(Path file, String text) throws IOException {
        if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
            return;
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
