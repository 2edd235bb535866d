package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DdiDeploymentBaseTest {

    /** What hawkBit 0.3.0M7 answered in REPORT.md §4, with an action history and a maintenance window added. */
    static final String SAMPLE = """
            {"id":"1","deployment":{"download":"forced","update":"skip","maintenanceWindow":"unavailable",
             "chunks":[{"part":"os","version":"1.0.0","name":"rootfs","artifacts":[{"filename":"rootfs-1.0.0.tandem",
              "hashes":{"sha1":"a","md5":"b","sha256":"c"},"size":4096,"_links":{
               "download-http":{"href":"http://127.0.0.1:8080/DEFAULT/controller/v1/d/softwaremodules/1/artifacts/rootfs-1.0.0.tandem"},
               "md5sum-http":{"href":"http://127.0.0.1:8080/x.MD5SUM"}}}]}]},
             "actionHistory":{"status":"RUNNING","messages":["x"]}}""";

    static DdiDeploymentBase parse(String json) throws IOException {
        return DdiJson.read(json.getBytes(StandardCharsets.UTF_8), DdiDeploymentBase.class);
    }

    @Test
    void readsAnActionWithItsArtifacts() throws IOException {
        DdiDeploymentBase d = parse(SAMPLE);
        assertThat(d.id()).isEqualTo("1");
        assertThat(d.deployment().download()).isEqualTo(DdiHandlingType.FORCED);
        assertThat(d.deployment().update()).isEqualTo(DdiHandlingType.SKIP);
        assertThat(d.deployment().maintenanceWindow()).isEqualTo(DdiMaintenanceWindow.UNAVAILABLE);
        DdiArtifact a = d.deployment().chunks().get(0).artifacts().get(0);
        assertThat(a.filename()).isEqualTo("rootfs-1.0.0.tandem");
        assertThat(a.size()).isEqualTo(4096);
        assertThat(a.hashes().sha256()).isEqualTo("c");
        assertThat(a.link(DdiArtifact.DOWNLOAD_HTTP)).isPresent();
        assertThat(a.link(DdiArtifact.DOWNLOAD)).isEmpty();
    }

    @Test
    void anActionWithoutMaintenanceWindowHasNone() throws IOException {
        DdiDeploymentBase d = parse("{\"id\":\"2\",\"deployment\":{\"download\":\"attempt\",\"update\":\"attempt\"}}");
        assertThat(d.deployment().maintenanceWindow()).isNull();
        assertThat(d.deployment().chunks()).isEmpty();
    }

    @Test
    void rejectsAnUnknownHandlingType() {
        assertThatThrownBy(() -> parse("{\"id\":\"2\",\"deployment\":{\"download\":\"maybe\",\"update\":\"forced\"}}"))
                .isInstanceOf(IOException.class).hasMessageContaining("maybe");
    }

    @Test
    void rejectsActionIdsThatAreDotSegments() {
        // "/deploymentBase/.." in a feedback URL would name another resource of the controller.
        for (String id : new String[] {".", "..", "..."}) {
            assertThatThrownBy(() -> parse(SAMPLE.replace("{\"id\":\"1\"", "{\"id\":\"" + id + "\"")))
                    .as(id).isInstanceOf(IOException.class).hasMessageContaining("not an id");
        }
        assertThat(DdiJson.isId("1.2")).isTrue();
        assertThat(DdiJson.isId("..")).isFalse();
    }

    @Test
    void rejectsAnActionWithoutDeployment() {
        assertThatThrownBy(() -> parse("{\"id\":\"2\"}")).isInstanceOf(IOException.class);
    }

    @Test
    void rejectsASizeOfTheWrongType() {
        assertThatThrownBy(() -> parse(SAMPLE.replace("\"size\":4096", "\"size\":\"big\"")))
                .isInstanceOf(IOException.class);
    }

    @Test
    void roundTrips() throws IOException {
        DdiDeploymentBase d = parse(SAMPLE);
        assertThat(parse(new String(DdiJson.write(d), StandardCharsets.UTF_8))).isEqualTo(d);
    }
}
