package dev.tandem.agent;

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

    static DdiDeployment deployment(DdiChunk... chunks) {
        return new DdiDeployment(DdiHandlingType.FORCED, DdiHandlingType.FORCED, null, List.of(chunks));
    }

    @Test
    void picksTheOneBundleAmongOtherArtifactsAndModules() {
        DdiDeployment d = deployment(new DdiChunk("application", "1", "app", List.of(artifact("notes.txt", BOTH))),
                new DdiChunk("os", "2", "rootfs", List.of(artifact("rootfs.img", BOTH), artifact("App-2.TANDEM", BOTH))));
        assertThat(BundleArtifact.choose(d, "https")).contains(new BundleArtifact("App-2.TANDEM",
                URI.create("https://h/x.tandem"), 100));
    }

    @Test
    void prefersTheLinkOfTheServersScheme() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("a.tandem", BOTH))));
        assertThat(BundleArtifact.choose(d, "http").orElseThrow().url()).isEqualTo(URI.create("http://h/x.tandem"));
        assertThat(BundleArtifact.choose(d, "https").orElseThrow().url()).isEqualTo(URI.create("https://h/x.tandem"));
        DdiDeployment httpOnly = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("a.tandem",
                Map.of(DdiArtifact.DOWNLOAD_HTTP, new DdiLink("http://h/only"))))));
        assertThat(BundleArtifact.choose(httpOnly, "https").orElseThrow().url()).isEqualTo(URI.create("http://h/only"));
    }

    @Test
    void noBundleSaysWhatWasThere() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "rootfs", List.of(artifact("rootfs.img", BOTH))));
        assertThat(BundleArtifact.choose(d, "https")).isEmpty();
        assertThat(BundleArtifact.whyNone(d)).isEqualTo("no tandem bundle (*.tandem) among the artifacts of this"
                + " deployment (rootfs.img)");
        assertThat(BundleArtifact.whyNone(deployment())).endsWith("(it has none)");
    }

    @Test
    void twoBundlesAreAmbiguous() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "a", List.of(artifact("a.tandem", BOTH))),
                new DdiChunk("os", "2", "b", List.of(artifact("b.tandem", BOTH))));
        assertThat(BundleArtifact.choose(d, "https")).isEmpty();
        assertThat(BundleArtifact.whyNone(d)).startsWith("more than one tandem bundle in this deployment (a.tandem,"
                + " b.tandem)");
    }

    @Test
    void aBundleWithoutDownloadLinkIsUnusable() {
        DdiDeployment d = deployment(new DdiChunk("os", "2", "a", List.of(artifact("a.tandem", Map.of()))));
        assertThat(BundleArtifact.choose(d, "https")).isEmpty();
        assertThat(BundleArtifact.whyNone(d)).isEqualTo("the bundle a.tandem has no download link");
    }
}
