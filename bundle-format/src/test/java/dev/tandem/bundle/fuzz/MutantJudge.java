package dev.tandem.bundle.fuzz;

import dev.tandem.bundle.BundleReader;
import dev.tandem.bundle.BundleVerifier;
import dev.tandem.bundle.ChunkDecoder;
import dev.tandem.bundle.ChunkHasher;
import dev.tandem.bundle.ChunkIndex;
import dev.tandem.bundle.ChunkKind;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.VerificationException;
import dev.tandem.pki.SignatureException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Judges one mutant against the invariants: it is refused with a {@link VerificationException} or
 * {@link SignatureException} whose message is one line, or it verifies and then its manifest is one the trusted
 * key signed and its images are byte for byte the seed's; never another exception, an error (out of memory,
 * stack overflow) or a hang.
 */
public final class MutantJudge {

    /** The verdict. */
    public enum Verdict {
        /** Refused as it must be (or may be). */
        REFUSED,
        /** Verified, harmlessly: signed manifest, seed images. */
        ACCEPTED,
        /** Verified although it must not: a safety failure. */
        WRONGLY_ACCEPTED,
        /** Failed the wrong way: other exception type, multi-line message, error, hang. */
        BUG
    }

    /** A verdict with its reason and, when refused, the exception's kind. */
    public record Judgement(Verdict verdict, String detail) {
    }

    public static final Duration TIME_LIMIT = Duration.ofSeconds(20);

    private final SeedBundle seed;
    private final Path spillDir;
    private final ExecutorService runner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fuzz-case");
        t.setDaemon(true);
        return t;
    });

    public MutantJudge(SeedBundle seed, Path spillDir) {
        this.seed = seed;
        this.spillDir = spillDir;
    }

    /** Verifies the mutant from memory, reading at most {@code maxRead} bytes at a time. */
    public Judgement judge(Mutant m, int maxRead) {
        Future<BundleVerifier.Report> f = runner.submit(() ->
                BundleVerifier.verifyAll(new ByteArraySource(m.bytes(), maxRead), seed.manifestVerifier(), spillDir));
        BundleVerifier.Report report;
        try {
            report = f.get(TIME_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Judgement(Verdict.BUG, "no verdict within " + TIME_LIMIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Judgement(Verdict.BUG, "interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            return refusal(e.getCause());
        }
        return acceptance(m, report);
    }

    /** Judges a failure: the right types, one line. */
    public static Judgement refusal(Throwable t) {
        if (t instanceof VerificationException || t instanceof SignatureException) {
            String message = t.getMessage();
            if (message == null || message.isBlank() || message.contains("\n") || message.contains("\r")
                    || message.length() > 2000) {
                return new Judgement(Verdict.BUG, t.getClass().getSimpleName() + " with a bad message: "
                        + String.valueOf(message).replace("\n", "\\n"));
            }
            String kind = t instanceof VerificationException v ? v.kind().name()
                    : ((SignatureException) t).reason().name();
            return new Judgement(Verdict.REFUSED, kind);
        }
        return new Judgement(Verdict.BUG, t.getClass().getName() + ": " + t.getMessage());
    }

    private Judgement acceptance(Mutant m, BundleVerifier.Report report) {
        if (!report.bundleId().equals(seed.bundleId) && !report.bundleId().equals(m.signedBundleId())) {
            return new Judgement(Verdict.WRONGLY_ACCEPTED, "verified a manifest the trusted key never signed");
        }
        String content = sameImages(m);
        if (content != null) {
            return new Judgement(Verdict.WRONGLY_ACCEPTED, content);
        }
        if (m.expect() == Mutant.Expect.REFUSE) {
            return new Judgement(Verdict.WRONGLY_ACCEPTED, "verified although it breaks a rule");
        }
        return new Judgement(Verdict.ACCEPTED, "verified, images unchanged");
    }

    /** Null when the mutant's images decode to exactly the seed's images, else what differs. */
    private String sameImages(Mutant m) {
        try (ByteArraySource source = new ByteArraySource(m.bytes(), Integer.MAX_VALUE);
             ChunkDecoder decoder = new ChunkDecoder()) {
            BundleReader reader = BundleReader.open(source, seed.manifestVerifier(), spillDir);
            if (reader.manifest().images().size() != seed.images.size()) {
                return "verified with " + reader.manifest().images().size() + " images";
            }
            for (SeedBundle.Image truth : seed.images) {
                ImageSection section = reader.nextImage();
                ChunkIndex index = section.index();
                if (!section.image().name().equals(truth.name()) || section.image().size() != truth.content().length) {
                    return "image " + section.image().name() + " is not the seed's " + truth.name();
                }
                byte[] stored = new byte[section.image().chunkSize()];
                byte[] chunk = new byte[section.image().chunkSize()];
                byte[] blocks = new byte[section.image().blocksPerChunk() * ChunkHasher.HASH_SIZE];
                for (long i = 0; i < index.count(); i++) {
                    int n = index.kind(i) == ChunkKind.ZERO ? 0 : section.readStored(i, stored);
                    int len = decoder.decode(index, i, stored, 0, n, chunk, blocks);
                    int from = (int) (i * section.image().chunkSize());
                    if (!Arrays.equals(chunk, 0, len, truth.content(), from, from + len)) {
                        return "image " + truth.name() + " chunk " + i + " differs from the seed";
                    }
                }
            }
            return null;
        } catch (Exception e) {
            return "verified, but decoding it again failed: " + e;
        }
    }

    public void close() {
        runner.shutdownNow();
    }
}
