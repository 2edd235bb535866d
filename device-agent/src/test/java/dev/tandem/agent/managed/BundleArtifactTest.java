package dev.tandem.agent.managed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.agent.ddi.DdiArtifact;
import dev.tandem.agent.ddi.DdiChunk;
import dev.tandem.agent.ddi.DdiDeployment;
import dev.tandem.agent.ddi.DdiHandlingType;
import dev.tandem.agent.ddi.DdiLink;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BundleArtifactTest {

    static DdiArtifact artifact(String name, Map<String, DdiLink> links) {
        return new DdiArtifact(name, null, 100, links);
    }

    static final Map<String, DdiLink> BOTH = Map.of(DdiArtifact.DOWNLOAD, new DdiLink("https://h/x.tandem"),
            DdiArtifact.DOWNLOAD_HTTP, new DdiLink("http://h/x.tandem"));

    static final URI HTTPS_SERVER = URI.create("https://h/prefix");
    static final URI HTTP_SERVER = URI.create("http://h:80");

    static DdiDeployment deployment(DdiChunk... chunks) {
        return new DdiDeployment(DdiHandlingType.FORCED, DdiHandlingType.FORCED, null, List.of(chunks));
    }

    @Test
    void picksTheOneBundleAmongOtherArtifactsAndModules() {
        DdiDeployment d = deployment(new DdiChunk("application", "1", "app", List.of(artifact("notes.txt", BOTH))),
                new DdiChunk("os", "2", "rootfs", List.of(artifact("rootfs.img", BOTH), artifact("App-2.TANDEM", BOTH))));
        assertThat(BundleArtifact.choose(d, HTTPS_SERVER, false)).contains(new BundleArtifact("App-2.TANDEM",
                URI.create("https://h/x.tandem"), 100, true));
    }

    @Test
    void takesTheLinkOnTheServerItself() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("a.tandem", BOTH))));
        assertThat(BundleArtifact.choose(d, HTTP_SERVER, false).orElseThrow().url())
                .isEqualTo(URI.create("http://h/x.tandem"));
        assertThat(BundleArtifact.choose(d, HTTPS_SERVER, false).orElseThrow().url())
                .isEqualTo(URI.create("https://h/x.tandem"));
    }

    @Test
    void anHttpsServersBundleIsNeverDownloadedOverHttp() {
        DdiDeployment httpOnly = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("a.tandem",
                Map.of(DdiArtifact.DOWNLOAD_HTTP, new DdiLink("http://h/only"))))));
        assertThat(BundleArtifact.choose(httpOnly, HTTPS_SERVER, false)).isEmpty();
        assertThat(BundleArtifact.choose(httpOnly, HTTPS_SERVER, true)).as("not even from a foreign host").isEmpty();
        assertThat(BundleArtifact.whyNone(httpOnly, HTTPS_SERVER)).isEqualTo("the bundle a.tandem has only a"
                + " plain-http download link; a bundle from an https server is never downloaded over http");
    }

    @Test
    void aLinkOffTheServerIsRefusedOrFollowedWithoutTheToken() {
        Map<String, DdiLink> elsewhere = Map.of(DdiArtifact.DOWNLOAD, new DdiLink("https://cdn.example:8443/a"),
                DdiArtifact.DOWNLOAD_HTTP, new DdiLink("http://cdn.example/a"));
        DdiDeployment d = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("a.tandem", elsewhere))));
        assertThat(BundleArtifact.choose(d, HTTPS_SERVER, false)).isEmpty();
        assertThat(BundleArtifact.whyNone(d, HTTPS_SERVER)).isEqualTo("the bundle a.tandem is to be downloaded from"
                + " https://cdn.example:8443, not from the configured server; refused, the DDI token goes only there"
                + " ([agent] allow-foreign-artifact-hosts = true downloads it without the token)");
        assertThat(BundleArtifact.choose(d, HTTPS_SERVER, true)).contains(new BundleArtifact("a.tandem",
                URI.create("https://cdn.example:8443/a"), 100, false));
        // Another port of the same host is another server.
        DdiDeployment port = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("a.tandem",
                Map.of(DdiArtifact.DOWNLOAD, new DdiLink("https://h:444/a"))))));
        assertThat(BundleArtifact.choose(port, HTTPS_SERVER, false)).isEmpty();
        assertThat(BundleArtifact.choose(port, URI.create("https://H:443"), false)).isEmpty();
        DdiDeployment same = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("a.tandem",
                Map.of(DdiArtifact.DOWNLOAD, new DdiLink("https://H:443/a"))))));
        assertThat(BundleArtifact.choose(same, HTTPS_SERVER, false).orElseThrow().onServer()).isTrue();
    }

    @Test
    void noBundleSaysWhatWasThere() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("rootfs.img", BOTH))));
        assertThat(BundleArtifact.choose(d, HTTPS_SERVER, false)).isEmpty();
        assertThat(BundleArtifact.whyNone(d, HTTPS_SERVER)).isEqualTo("no tandem bundle (*.tandem) among the artifacts of this"
                + " deployment (rootfs.img)");
        assertThat(BundleArtifact.whyNone(deployment(), HTTPS_SERVER)).endsWith("(it has none)");
    }

    @Test
    void twoBundlesAreAmbiguous() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "a", List.of(artifact("a.tandem", BOTH))),
                new DdiChunk("os", "2", "b", List.of(artifact("b.tandem", BOTH))));
        assertThat(BundleArtifact.choose(d, HTTPS_SERVER, false)).isEmpty();
        assertThat(BundleArtifact.whyNone(d, HTTPS_SERVER)).startsWith("more than one tandem bundle in this deployment (a.tandem,"
                + " b.tandem)");
    }

    @Test
    void aBundleWithoutDownloadLinkIsUnusable() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "a", List.of(artifact("a.tandem", Map.of()))));
        assertThat(BundleArtifact.choose(d, HTTPS_SERVER, false)).isEmpty();
        assertThat(BundleArtifact.whyNone(d, HTTPS_SERVER)).isEqualTo("the bundle a.tandem has no download link");
    }
}
