package dev.tandem.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command of the picocli model has a man page and completion entries in the distribution tree. */
class DocsTest {

    private static final List<CommandLine> COMMANDS = Docs.commands(Main.commandLine());

    @Test
    void everyCommandHasAManPageThatRendersWithoutWarnings() throws Exception {
        Path man1 = Dist.tree().resolve("share/man/man1");
        assertThat(COMMANDS).extracting(Docs::pageName).contains("tandem", "tandem-install", "tandem-bundle-create",
                "tandem-pki-dev-ca", "tandem-boot-check");
        for (CommandLine c : COMMANDS) {
            Path page = man1.resolve(Docs.pageName(c) + ".1");
            assertThat(page).as("man page of %s", c.getCommandSpec().qualifiedName()).isRegularFile();
            String text = Files.readString(page);
            for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                if (!o.hidden()) {
                    assertThat(text).as("%s documents %s", page, o.longestName())
                            .contains(ManPage.escape(o.longestName()));
                }
            }
            groffWithoutWarnings(page);
        }
        Path config = Dist.tree().resolve("share/man/man5/tandem-system.toml.5");
        assertThat(Files.readString(config)).contains("data\\-dir", "bootloader").doesNotContain("DESIGN");
        groffWithoutWarnings(config);
    }

    @Test
    void everyCommandHasBashAndZshCompletion() throws Exception {
        String bash = Files.readString(Dist.tree().resolve("share/bash-completion/completions/tandem"));
        String zsh = Files.readString(Dist.tree().resolve("share/zsh/vendor-completions/_tandem"));
        assertThat(zsh).startsWith("#compdef tandem\n");
        for (CommandLine c : COMMANDS) {
            String function = "_picocli_" + c.getCommandSpec().qualifiedName("_").replace("-", "");
            assertThat(bash).as("bash completion of %s", c.getCommandSpec().qualifiedName())
                    .contains("function " + function + "() {");
            assertThat(zsh).contains("function " + function + "() {");
            if (c.getParent() != null) {
                assertThat(bash).containsPattern("local commands=\"[^\"]*\\b" + c.getCommandName() + "\\b");
            }
        }
    }

    @Test
    void manPageOfInstallRendersWithMan() throws Exception {
        Path page = Dist.tree().resolve("share/man/man1/tandem-install.1");
        Dist.Result r = Dist.run(Dist.TARGET, Map.of("PATH", "/usr/bin:/bin", "MANWIDTH", "100", "LANG", "C.UTF-8"),
                60, "man", "-l", page.toString()).ok();
        assertThat(r.out()).contains("tandem-install", "SYNOPSIS", "--no-activate", "EXIT STATUS");
    }

    private static void groffWithoutWarnings(Path page) throws Exception {
        Dist.Result r = Dist.run(page.getParent(), Map.of("PATH", "/usr/bin:/bin"), 60,
                "groff", "-man", "-Tutf8", "-ww", "-z", page.toString()).ok();
        assertThat(r.err()).as("groff warnings for %s", page).isEmpty();
    }
}
