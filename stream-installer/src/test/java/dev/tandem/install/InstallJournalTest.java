package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.storage.DurableFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resume journal, install.json (ARCHITECTURE.md §4 "Resume"): what it keeps, and that a journal it cannot
 * understand is no journal at all (the install starts over; it never resumes from a guess).
 */
class InstallJournalTest {

    @TempDir
    Path dir;

    private static final InstallJournal JOURNAL = new InstallJournal(InstallJournal.FORMAT, "ab".repeat(32), "rootfs.0",
            "boot-1", 2, List.of(new InstallJournal.ImageProgress("rootfs", "rootfs.1", 65536, 17, false),
                    new InstallJournal.ImageProgress("boot", "boot.1", 65536, 3, true)));

    @Test
    void storesAndLoadsEveryField() throws IOException {
        DurableFile file = DurableFile.at(dir.resolve("install.json"));
        JOURNAL.store(file);
        assertThat(InstallJournal.load(file)).contains(JOURNAL);
    }

    @Test
    void findsAnImagesProgressByNameAndReplacesOnlyThatOne() {
        assertThat(JOURNAL.image("boot").doneBelow()).isEqualTo(3);
        assertThat(JOURNAL.image("data")).isNull();
        InstallJournal next = JOURNAL.with(new InstallJournal.ImageProgress("rootfs", "rootfs.1", 65536, 40, false));
        assertThat(next.image("rootfs").doneBelow()).isEqualTo(40);
        assertThat(next.image("boot")).isEqualTo(JOURNAL.image("boot"));
        assertThat(next.images()).extracting(InstallJournal.ImageProgress::image).containsExactly("rootfs", "boot");
        assertThat(next.bundleId()).isEqualTo(JOURNAL.bundleId());
        assertThat(next.resumes()).isEqualTo(2);
    }

    @Test
    void noFileIsNoJournal() throws IOException {
        assertThat(InstallJournal.load(DurableFile.at(dir.resolve("install.json")))).isEmpty();
    }

    @Test
    void aJournalItCannotUnderstandIsNoJournal() throws IOException {
        String good = new String(Files.readAllBytes(stored()), StandardCharsets.UTF_8);
        assertThat(load(good)).isPresent();
        assertThat(load("{ not json")).isEmpty();
        assertThat(load("")).isEmpty();
        assertThat(load(good.replace("\"format\" : 1", "\"format\" : 2"))).as("another format").isEmpty();
        assertThat(load(good.replaceFirst("\"bundle-id\" : \"[0-9a-f]*\",", ""))).as("no bundle id").isEmpty();
        assertThat(load("{ \"format\": 1, \"bundle-id\": \"x\", \"booted-slot\": \"rootfs.0\", \"resumes\": 0 }"))
                .as("no images").isEmpty();
    }

    private Path stored() throws IOException {
        Path p = dir.resolve("install.json");
        JOURNAL.store(DurableFile.at(p));
        return p;
    }

    private java.util.Optional<InstallJournal> load(String json) throws IOException {
        Path p = dir.resolve("edited.json");
        Files.writeString(p, json);
        return InstallJournal.load(DurableFile.at(p));
    }
}
