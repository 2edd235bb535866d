package dev.tandem.agent.managed;

import dev.tandem.agent.ddi.DdiArtifact;
import dev.tandem.agent.ddi.DdiChunk;
import dev.tandem.agent.ddi.DdiClient;
import dev.tandem.agent.ddi.DdiDeployment;
import dev.tandem.agent.ddi.DdiJson;
import dev.tandem.agent.ddi.DdiLink;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The tandem bundle of a deployment: the one artifact named {@code *.tandem}, across all software modules, and
 * the download link to use. A bundle holds every image of an update, so a deployment with two bundles is
 * ambiguous and refused. Server sizes and hashes are kept for messages only (ARCHITECTURE.md §7: the signed manifest is
 * what counts).
 *
 * @param filename    the artifact's file name
 * @param url         where to download it
 * @param size        its size as the server says, for messages
 * @param onServer    whether {@code url} is on the configured server (scheme, host, port): only then does the
 *                    download carry the DDI token
 */
public record BundleArtifact(String filename, URI url, long size, boolean onServer) {

    /** The suffix of a tandem bundle. */
    public static final String SUFFIX = ".tandem";

    /**
     * Picks the bundle and its download link. The token goes only to the configured server, so a link there is
     * taken first ({@code download} before {@code download-http}). A link elsewhere is taken only with
     * {@code allowForeign} ({@code [agent] allow-foreign-artifact-hosts}), and is then downloaded without the
     * token. An https server's bundle is never downloaded over plain http.
     *
     * @param server the configured server URL
     * @return empty when there is not exactly one bundle with a usable download link ({@link #whyNone} says why)
     */
    static Optional<BundleArtifact> choose(DdiDeployment deployment, URI server, boolean allowForeign) {
        List<DdiArtifact> bundles = bundles(deployment);
        if (bundles.size() != 1) {
            return Optional.empty();
        }
        DdiArtifact a = bundles.get(0);
        List<URI> links = usableLinks(a, server);
        Optional<URI> there = links.stream().filter(u -> DdiClient.sameOrigin(u, server)).findFirst();
        if (there.isPresent()) {
            return Optional.of(new BundleArtifact(a.filename(), there.get(), a.size(), true));
        }
        if (allowForeign && !links.isEmpty()) {
            return Optional.of(new BundleArtifact(a.filename(), links.get(0), a.size(), false));
        }
        return Optional.empty();
    }

    /** Why {@link #choose} found nothing, one line for the action history. */
    static String whyNone(DdiDeployment deployment, URI server) {
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
        DdiArtifact a = bundles.get(0);
        if (a.link(DdiArtifact.DOWNLOAD).isEmpty() && a.link(DdiArtifact.DOWNLOAD_HTTP).isEmpty()) {
            return "the bundle " + a.filename() + " has no download link";
        }
        if (usableLinks(a, server).isEmpty()) {
            return "the bundle " + a.filename() + " has only a plain-http download link; a bundle from an https"
                    + " server is never downloaded over http";
        }
        return "the bundle " + a.filename() + " is to be downloaded from " + DdiJson.oneLine(usableLinks(a, server)
                .get(0).getScheme() + "://" + usableLinks(a, server).get(0).getAuthority()) + ", not from the"
                + " configured server; refused, the DDI token goes only there ([agent]"
                + " allow-foreign-artifact-hosts = true downloads it without the token)";
    }

    /** {@code download} then {@code download-http}; no http link when the server is https. */
    private static List<URI> usableLinks(DdiArtifact a, URI server) {
        boolean https = isHttps(server);
        List<URI> out = new ArrayList<>();
        for (String rel : List.of(DdiArtifact.DOWNLOAD, DdiArtifact.DOWNLOAD_HTTP)) {
            a.link(rel).map(DdiLink::uri).filter(u -> !https || isHttps(u)).ifPresent(out::add);
        }
        return out;
    }

    private static boolean isHttps(URI u) {
        return "https".equalsIgnoreCase(u.getScheme());
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
