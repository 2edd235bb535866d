package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DdiControllerBaseTest {

    static DdiControllerBase parse(String json) throws IOException {
        return DdiJson.read(json.getBytes(StandardCharsets.UTF_8), DdiControllerBase.class);
    }

    @Test
    void readsAHawkbit03PollWithDeploymentAndConfigDataLinks() throws IOException {
        DdiControllerBase b = parse("""
                {"config":{"polling":{"sleep":"00:00:10"}},"_links":{
                 "deploymentBase":{"href":"http://127.0.0.1:8080/DEFAULT/controller/v1/dev-001/deploymentBase/1?c=411599879"},
                 "configData":{"href":"http://127.0.0.1:8080/DEFAULT/controller/v1/dev-001/configData"}}}""");
        assertThat(b.sleep(Duration.ofMinutes(5))).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.link(DdiControllerBase.DEPLOYMENT_BASE)).get().extracting(DdiLink::actionId).isEqualTo("1");
        assertThat(b.link(DdiControllerBase.CONFIG_DATA)).isPresent();
        assertThat(b.link(DdiControllerBase.CANCEL_ACTION)).isEmpty();
    }

    @Test
    void ignoresTheLinksAndFieldsOfHawkbit1x() throws IOException {
        DdiControllerBase b = parse("""
                {"config":{"polling":{"sleep":"00:05:00"},"future":true},"newField":[1,2],"_links":{
                 "installedBase":{"href":"http://h/T/controller/v1/d/installedBase/3"},
                 "confirmationBase":{"href":"http://h/T/controller/v1/d/confirmationBase/4?c=1","name":"x"},
                 "cancelAction":{"href":"http://h/T/controller/v1/d/cancelAction/5"}}}""");
        assertThat(b.sleep(Duration.ZERO)).isEqualTo(Duration.ofMinutes(5));
        assertThat(b.link(DdiControllerBase.CANCEL_ACTION)).get().extracting(DdiLink::actionId).isEqualTo("5");
        assertThat(b.links()).containsKeys("installedBase", "confirmationBase");
    }

    @Test
    void anEmptyAnswerHasNoLinksAndTheFallbackSleep() throws IOException {
        DdiControllerBase b = parse("{}");
        assertThat(b.links()).isEmpty();
        assertThat(b.sleep(Duration.ofMinutes(5))).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void anUnreadableSleepFallsBack() throws IOException {
        assertThat(parse("{\"config\":{\"polling\":{\"sleep\":\"soon\"}}}").sleep(Duration.ofSeconds(7)))
                .isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aZeroSleepDoesNotMakeTheAgentPollWithoutPause() throws IOException {
        assertThat(parse("{\"config\":{\"polling\":{\"sleep\":\"00:00:00\"}}}").sleep(Duration.ofSeconds(7)))
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void rejectsALinkOfTheWrongType() {
        assertThatThrownBy(() -> parse("{\"_links\":{\"deploymentBase\":\"http://h/x\"}}"))
                .isInstanceOf(IOException.class).hasMessageStartingWith("malformed DdiControllerBase");
    }

    @Test
    void rejectsALinkWithoutHref() {
        assertThatThrownBy(() -> parse("{\"_links\":{\"deploymentBase\":{}}}")).isInstanceOf(IOException.class);
    }

    @Test
    void roundTrips() throws IOException {
        DdiControllerBase b = parse("{\"config\":{\"polling\":{\"sleep\":\"00:00:30\"}},\"_links\":{\"configData\":"
                + "{\"href\":\"http://h/configData\"}}}");
        assertThat(DdiJson.read(DdiJson.write(b), DdiControllerBase.class)).isEqualTo(b);
    }
}
