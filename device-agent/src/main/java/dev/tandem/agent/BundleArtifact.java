package dev.tandem.agent;

import dev.tandem.agent.ddi.DdiArtifact;
import dev.tandem.agent.ddi.DdiChunk;
import dev.tandem.agent.ddi.DdiDeployment;
import dev.tandem.agent.ddi.DdiLink;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The tandem bundle of a deployment: the one artifact named {@code *.tandem}, across all software modules, and
 * the download link to use. A bundle holds every image of an update, so a deployment with two bundles is
 * ambiguous and refused. Server sizes and hashes are kept for messages only (DESIGN §7: the signed manifest is
 * what counts).
 *
 * @param filename the artifact's file name
 * @param url      where to download it
 * @param size     its size as the server says, for messages
 */
record BundleArtifact(String filename, URI url, long size) {

    /** The suffix of a tandem bundle. */
    static final String SUFFIX = ".tandem";

    /**
     * Picks the bundle.
     *
     * @param scheme the server's scheme: its link is preferred ({@code download} for https, {@code download-http}
     *               for http), so the token goes only where the server itself is
     * @return empty when there is not exactly one bundle with a download link ({@link #whyNone} says why)
     */
    static Optional<BundleArtifact> choose(DdiDeployment deployment, String scheme) {
        List<DdiArtifact> bundles = bundles(deployment);
        if (bundles.size() != 1) {
            return Optional.empty();
        }
        DdiArtifact a = bundles.get(0);
        boolean https = "https".equals(scheme == null ? null : scheme.toLowerCase(Locale.ROOT));
        Optional<DdiLink> link = https
                ? a.link(DdiArtifact.DOWNLOAD).or(() -> a.link(DdiArtifact.DOWNLOAD_HTTP))
                : a.link(DdiArtifact.DOWNLOAD_HTTP).or(() -> a.link(DdiArtifact.DOWNLOAD));
        return link.map(l -> new BundleArtifact(a.filename(), l.uri(), a.size()));
    }

    /** Why {@link #choose} found nothing, one line for the action history. */
    static String whyNone(DdiDeployment deployment) {
        List<DdiArtifact> bundles = bundles(deployment);
        List<String> names = new ArrayList<>();
        for (DdiChunk c : deployment.chunks()) {
            for (DdiArtifact a : c.artifacts()) {
                names.add(a.filename());
            }
        }
        if (bundles.isEmpty()) {
            return "no tandem bundle (*" + SUFFIX + ") among the artifacts of this deployment"
                    + (names.isEmpty() ? " (it has none)" : " (" + String.join(", ", names) + ")");
        }
        if (bundles.size() > 1) {
            return "more than one tandem bundle in this deployment (" + String.join(", ",
                    bundles.stream().map(DdiArtifact::filename).toList()) + "); a bundle holds every image of an"
                    + " update, so exactly one is expected";
        }
        return "the bundle " + bundles.get(0).filename() + " has no download link";
    }

    private static List<DdiArtifact> bundles(DdiDeployment deployment) {
        List<DdiArtifact> out = new ArrayList<>();
        for (DdiChunk c : deployment.chunks()) {
            for (DdiArtifact a : c.artifacts()) {
                if (a.filename() != null && a.filename().toLowerCase(Locale.ROOT).endsWith(SUFFIX)) {
                    out.add(a);
                }
            }
        }
        return out;
    }
}
