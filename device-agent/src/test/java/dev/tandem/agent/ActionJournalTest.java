package dev.tandem.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.agent.ddi.UpdateStatus;
import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ActionJournalTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsEveryField() throws IOException {
        DurableFile f = DurableFile.at(dir.resolve("action.json"));
        ActionJournal j = ActionJournal.start("42").installing("a.tandem", true).installed("rootfs.1", "abc", "2.0.0")
                .activated("boot-7").reporting(UpdateStatus.FAILURE, "fell back")
                .in(AgentState.REPORT, Instant.parse("2026-11-26T10:00:00Z"));
        j.store(f);
        assertThat(ActionJournal.load(f)).contains(j);
        assertThat(j.attempts()).isEqualTo(1);
        assertThat(j.mayHaveWritten()).isTrue();
    }

    @Test
    void noFileIsNoAction() throws IOException {
        assertThat(ActionJournal.load(DurableFile.at(dir.resolve("none.json")))).isEmpty();
    }

    @Test
    void unknownFieldsOfANewerAgentAreIgnored() throws IOException {
        Path p = Files.writeString(dir.resolve("a.json"), "{\"format\":1,\"state\":\"VERIFY_BOOT\",\"action-id\":\"5\","
                + "\"target-slot\":\"rootfs.1\",\"added-later\":{\"x\":1}}");
        ActionJournal j = ActionJournal.load(DurableFile.at(p)).orElseThrow();
        assertThat(j.state()).isEqualTo(AgentState.VERIFY_BOOT);
        assertThat(j.targetSlot()).isEqualTo("rootfs.1");
    }

    @Test
    void anotherFormatOrAnUnknownStateIsRefused() throws IOException {
        Path v2 = Files.writeString(dir.resolve("v2.json"), "{\"format\":2,\"state\":\"REPORT\",\"action-id\":\"5\"}");
        assertThatThrownBy(() -> ActionJournal.load(DurableFile.at(v2))).isInstanceOf(IOException.class)
                .hasMessageContaining("format 2");
        Path state = Files.writeString(dir.resolve("s.json"), "{\"format\":1,\"state\":\"DANCING\",\"action-id\":\"5\"}");
        assertThatThrownBy(() -> ActionJournal.load(DurableFile.at(state))).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot parse");
    }

    @Test
    void onlyAFinalResultCanBeReported() {
        assertThatThrownBy(() -> ActionJournal.start("1").reporting(UpdateStatus.DOWNLOADING, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aJournalWithoutArtifactNeverWroteASlot() {
        assertThat(ActionJournal.start("1").mayHaveWritten()).isFalse();
    }
}
