package dev.tandem.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tandem feed}: signed channel feeds for feed mode (device-agent/FEED.md). */
@Command(name = "feed", header = "Publish a channel's signed feed for devices in feed mode.",
        subcommands = {FeedPublishCommand.class, HelpCommand.class})
final class FeedCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
