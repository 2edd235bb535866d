package dev.tandem.cli;

import dev.tandem.agent.feed.Feed;
import dev.tandem.agent.feed.FeedEntry;
import dev.tandem.agent.feed.FeedJson;
import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.FileSource;
import dev.tandem.bundle.Manifest;
import dev.tandem.pki.CmsSigner;
import dev.tandem.pki.CmsVerifier;
import dev.tandem.pki.Keyring;
import dev.tandem.pki.SigningKey;
import dev.tandem.pki.TrustPolicy;
import dev.tandem.slot.config.FeedKeys;
import dev.tandem.slot.policy.SemVer;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem feed publish}: writes a channel's feed.json and its detached CMS signature feed.json.p7s. The
 * facts of each entry (compatible, version, security-version, bundle id, size) are read from the bundle, whose
 * signature must verify against the keyring devices use; the command line gives only what is not a bundle's fact:
 * where it is, the phased percentage and the min-version.
 */
@Command(name = "publish", header = "Write and sign a channel's feed.json (+ feed.json.p7s) for feed mode.",
        sortOptions = false)
final class FeedPublishCommand implements Callable<Integer> {

    @Option(names = "--channel", required = true, description = "Channel name (a-z, 0-9, '.', '_', '-').")
    String channel;

    @Option(names = "--bundle", required = true, paramLabel = "FILE[,min-version=V][,phased=P][,url=URL]",
            description = "A bundle to offer, with the oldest version that may update straight to it, the"
                    + " percentage of devices that take it, and where it is (default: its file name, relative to"
                    + " the feed, or under --base-url). Repeatable.")
    List<String> bundles;

    @Option(names = "--keyring", required = true, paramLabel = "PEM",
            description = "The devices' keyring: every bundle must verify against it.")
    Path keyring;

    @Mixin
    SignerOptions signerOptions = new SignerOptions();

    @Option(names = "--base-url", paramLabel = "URL", description = "Where the bundles are (default: beside the"
            + " feed, as relative URLs).")
    String baseUrl;

    @Option(names = "--expires-in", paramLabel = "DAYS", defaultValue = "7",
            description = "Days until devices refuse the feed (default 7): publish again before then.")
    int expiresInDays;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR",
            description = "Directory to write feed.json and feed.json.p7s into.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!FeedKeys.CHANNEL.matcher(channel).matches()) {
            throw new UsageException("--channel '" + channel + "' is not a channel name: 1 to 64 of a-z, 0-9, '.',"
                    + " '_', '-'");
        }
        if (expiresInDays < 1 || expiresInDays > 366) {
            throw new UsageException("--expires-in " + expiresInDays + ": from 1 to 366 days");
        }
        if (bundles.size() > FeedJson.MAX_ENTRIES) {
            throw new UsageException("at most " + FeedJson.MAX_ENTRIES + " bundles in one feed");
        }
        List<SigningKey> signers = signerOptions.load();
        CmsVerifier verifier = new CmsVerifier(Keyring.load(keyring), TrustPolicy.standard());
        List<FeedEntry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String spec : bundles) {
            FeedEntry e = entry(spec, verifier);
            if (!seen.add(e.compatible() + " " + SemVer.parse(e.version()))) {
                throw new UsageException("two bundles of " + e.compatible() + " have version " + e.version());
            }
            entries.add(e);
        }
        Instant issued = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Feed feed = new Feed(channel, issued, issued.plus(Duration.ofDays(expiresInDays)), entries);
        byte[] json = FeedJson.write(feed);
        byte[] signature = CmsSigner.sign(json, signers);
        Files.createDirectories(output);
        // Each file is replaced atomically; a device that reads one of the old pair and one of the new refuses the
        // mismatch as a bad signature and reads both again at its next look.
        writeAtomically(output.resolve("feed.json.p7s"), signature);
        writeAtomically(output.resolve("feed.json"), json);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("published %s (channel %s, %d bundles, issued %s, expires %s)%n", output.resolve("feed.json"),
                channel, entries.size(), feed.issued(), feed.expires());
        for (FeedEntry e : entries) {
            out.printf("  %s %s: %s%s%s%n", e.compatible(), e.version(), e.url(),
                    e.minVersion() != null ? ", from " + e.minVersion() : "",
                    e.phased() != null ? ", " + e.phased() + " % of devices" : "");
        }
        out.flush();
        return 0;
    }

    private FeedEntry entry(String spec, CmsVerifier verifier) throws Exception {
        String[] parts = spec.split(",");
        Path file = Path.of(parts[0]);
        String minVersion = null;
        Integer phased = null;
        String url = null;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("min-version=")) {
                minVersion = p.substring("min-version=".length());
                try {
                    SemVer.parse(minVersion);
                } catch (RuntimeException e) {
                    throw new UsageException("--bundle " + spec + ": min-version: " + e.getMessage());
                }
            } else if (p.startsWith("phased=")) {
                try {
                    phased = Integer.parseInt(p.substring("phased=".length()));
                } catch (NumberFormatException e) {
                    phased = -1;
                }
                if (phased < 0 || phased > 100) {
                    throw new UsageException("--bundle " + spec + ": phased must be 0 to 100");
                }
            } else if (p.startsWith("url=")) {
                url = p.substring("url=".length());
            } else {
                throw new UsageException("--bundle " + spec + ": '" + p + "' is not min-version=, phased= or url=");
            }
        }
        if (url == null) {
            String name = file.getFileName().toString();
            url = baseUrl == null ? name : (baseUrl.endsWith("/") ? baseUrl : baseUrl + "/") + name;
        }
        try {
            new URI(url);
        } catch (URISyntaxException e) {
            throw new UsageException("--bundle " + spec + ": url: " + e.getMessage());
        }
        try (BundleSource source = FileSource.open(file);
             BundleReader reader = BundleReader.open(source, verifier::verify, null)) {
            Manifest m = reader.manifest();
            return new FeedEntry(m.compatible(), m.version(), m.securityVersion(), reader.bundleId(),
                    Files.size(file), url, phased, minVersion);
        } catch (RuntimeException | java.io.IOException e) {
            throw new CommandContext("feed publish: " + file, e);
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws java.io.IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
