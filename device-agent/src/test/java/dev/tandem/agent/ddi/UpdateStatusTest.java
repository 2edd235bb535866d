package dev.tandem.agent.ddi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpdateStatusTest {

    static final Instant T = Instant.parse("2026-11-26T10:00:00.123Z");

    @Test
    void eachOutcomeMapsToOneExecutionAndFinalResult() {
        assertThat(UpdateStatus.DOWNLOADING).extracting(UpdateStatus::execution, UpdateStatus::finished,
                UpdateStatus::endpoint).containsExactly(DdiExecution.PROCEEDING, DdiFinished.NONE,
                UpdateStatus.Endpoint.DEPLOYMENT);
        assertThat(UpdateStatus.DOWNLOADED.execution()).isEqualTo(DdiExecution.DOWNLOADED);
        assertThat(UpdateStatus.REBOOTING.execution()).isEqualTo(DdiExecution.PROCEEDING);
        assertThat(UpdateStatus.SUCCESS).extracting(UpdateStatus::execution, UpdateStatus::finished)
                .containsExactly(DdiExecution.CLOSED, DdiFinished.SUCCESS);
        assertThat(UpdateStatus.FAILURE).extracting(UpdateStatus::execution, UpdateStatus::finished)
                .containsExactly(DdiExecution.CLOSED, DdiFinished.FAILURE);
        assertThat(UpdateStatus.CANCELED).extracting(UpdateStatus::execution, UpdateStatus::finished,
                UpdateStatus::endpoint).containsExactly(DdiExecution.CLOSED, DdiFinished.SUCCESS,
                UpdateStatus.Endpoint.CANCEL);
    }

    @Test
    void onlyClosedStatusesAreFinal() {
        assertThat(List.of(UpdateStatus.values()).stream().filter(UpdateStatus::isFinal))
                .containsExactly(UpdateStatus.SUCCESS, UpdateStatus.FAILURE, UpdateStatus.CANCELED);
    }

    @Test
    void feedbackCarriesTheIdOfHawkbit03AndTheTimestampOf1x() throws IOException {
        DdiActionFeedback f = UpdateStatus.DOWNLOADING.feedback("17", T, new DdiProgress(37, 100),
                List.of("37 %"));
        JsonNode json = new ObjectMapper().readTree(DdiJson.write(f));
        assertThat(json.get("id").asText()).isEqualTo("17");
        assertThat(json.get("timestamp").asLong()).isEqualTo(T.toEpochMilli());
        assertThat(json.at("/status/execution").asText()).isEqualTo("proceeding");
        assertThat(json.at("/status/result/finished").asText()).isEqualTo("none");
        assertThat(json.at("/status/result/progress/cnt").asInt()).isEqualTo(37);
        assertThat(json.at("/status/result/progress/of").asInt()).isEqualTo(100);
        assertThat(json.at("/status/details/0").asText()).isEqualTo("37 %");
        assertThat(json.at("/status").has("code")).as("no code unless there is one").isFalse();
    }

    @Test
    void theFinalResultHasNoProgress() throws IOException {
        JsonNode json = new ObjectMapper().readTree(DdiJson.write(UpdateStatus.FAILURE.feedback("3", T, null,
                List.of("fell back"))));
        assertThat(json.at("/status/execution").asText()).isEqualTo("closed");
        assertThat(json.at("/status/result/finished").asText()).isEqualTo("failure");
        assertThat(json.at("/status/result").has("progress")).isFalse();
    }

    @Test
    void feedbackRoundTripsAndAcceptsUnknownFields() throws IOException {
        DdiActionFeedback f = UpdateStatus.SUCCESS.feedback("3", T, null, List.of("ok"));
        assertThat(DdiJson.read(DdiJson.write(f), DdiActionFeedback.class)).isEqualTo(f);
        String withExtras = "{\"id\":\"3\",\"timestamp\":1,\"time\":\"x\",\"status\":{\"execution\":\"closed\","
                + "\"result\":{\"finished\":\"success\",\"extra\":1},\"code\":200,\"details\":[]}}";
        DdiActionFeedback read = DdiJson.read(withExtras.getBytes(), DdiActionFeedback.class);
        assertThat(read.status().code()).isEqualTo(200);
    }

    @Test
    void progressMustFitItsTotal() {
        assertThatThrownBy(() -> new DdiProgress(101, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DdiProgress(-1, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DdiProgress(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configDataIsSortedAndMerges() throws IOException {
        DdiConfigData c = new DdiConfigData(DdiUpdateMode.MERGE, java.util.Map.of("b", "2", "a", "1"));
        assertThat(new String(DdiJson.write(c))).isEqualTo("{\"mode\":\"merge\",\"data\":{\"a\":\"1\",\"b\":\"2\"}}");
    }
}
