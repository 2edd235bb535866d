package dev.tandem.install;

import dev.tandem.storage.BlockTarget;
import dev.tandem.bundle.ImageEntry;
import dev.tandem.bundle.ImageSection;
import dev.tandem.bundle.VerificationException;
import dev.tandem.slot.Hooks;
import dev.tandem.slot.policy.ImageTarget;
import dev.tandem.slot.policy.PolicyException;
import dev.tandem.slot.Slot;
import dev.tandem.slot.config.SystemConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The steps of {@link InstallFlow}, one method per state. Each does one job and returns an outcome. */
final class InstallSteps {

    private InstallSteps() {
    }

    /**
     * Reads marker, manifest and signature through the {@link CandidateGate}: signature against today's keyring,
     * expiry and certificates at max(clock, time floor), min-tandem-version.
     */
    static InstallFlow.Outcome verifyManifest(InstallContext ctx) throws IOException {
        Files.createDirectories(ctx.tmpDir);
        ctx.reader = ctx.gate.open(ctx.source, ctx.tmpDir);
        ctx.progress.total(ctx.reader.manifest().images().stream().mapToLong(ImageEntry::size).sum());
        return InstallFlow.Outcome.NEXT;
    }

    /** The gate's policy half on the signed manifest, before anything is written; then the pre-install hook. */
    static InstallFlow.Outcome checkPolicy(InstallContext ctx) {
        ctx.candidate = CandidateGate.candidateOf(ctx.reader);
        ctx.targets = ctx.gate.admit(ctx.candidate, ctx.options, ctx.opener::size);
        ctx.targets.forEach(t -> ctx.opener.requireSafeTarget(t.slot(), ctx.slots.group(ctx.slots.booted())));
        hooks(ctx).require(Hooks.Hook.PRE_INSTALL, environment(ctx, ctx.targets.get(0).slot()));
        return InstallFlow.Outcome.NEXT;
    }

    /**
     * Decides between a fresh install and a resume: the journal applies only to the same bundle, booted from the
     * same slot, into the same targets with the same chunk sizes.
     */
    static InstallFlow.Outcome chooseStart(InstallContext ctx) throws IOException {
        Optional<InstallJournal> old = InstallJournal.load(ctx.journalFile);
        String booted = ctx.slots.booted().name();
        if (old.isPresent() && old.get().bundleId().equals(ctx.candidate.bundleId())
                && booted.equals(old.get().bootedSlot()) && sameTargets(old.get(), freshProgress(ctx))) {
            ctx.journal = old.get();
            return InstallFlow.Outcome.RESUMABLE;
        }
        return InstallFlow.Outcome.FRESH;
    }

    private static List<InstallJournal.ImageProgress> freshProgress(InstallContext ctx) {
        List<InstallJournal.ImageProgress> fresh = new ArrayList<>();
        for (ImageTarget t : ctx.targets) {
            ImageEntry e = ctx.reader.manifest().image(t.image().name());
            fresh.add(new InstallJournal.ImageProgress(e.name(), t.slot().name(), e.chunkSize(), 0, false));
        }
        return fresh;
    }

    /** A new journal; chunks the targets held before and that did not change will be checked in place. */
    static InstallFlow.Outcome startFresh(InstallContext ctx) throws IOException {
        ctx.journal = new InstallJournal(InstallJournal.FORMAT, ctx.candidate.bundleId(), ctx.slots.booted().name(),
                ctx.slots.bootId(), 0, freshProgress(ctx));
        for (ImageTarget t : ctx.targets) {
            SavedTables.SavedChunks before = ctx.tables.chunks(t.slot().name());
            if (before != null) {
                ctx.targetBefore.put(t.slot().name(), before);
            }
        }
        return InstallFlow.Outcome.NEXT;
    }

    /** Goes on from the journal, one resume more; an install resumed too often starts over next time. */
    static InstallFlow.Outcome resume(InstallContext ctx) throws IOException {
        InstallJournal j = ctx.journal;
        if (j.resumes() >= ctx.settings.maxResumes()) {
            ctx.journalFile.delete();
            throw new PolicyException(PolicyException.Reason.WRONG_STATE, "this install was resumed "
                    + j.resumes() + " times without finishing; giving up (the next install starts over)");
        }
        ctx.journal = new InstallJournal(j.format(), j.bundleId(), ctx.slots.booted().name(), ctx.slots.bootId(),
                j.resumes() + 1, j.images());
        ctx.resumed = true;
        long done = j.images().stream().mapToLong(p -> p.doneBelow()).sum();
        ctx.progress.note("resuming the interrupted install of this bundle (" + done + " chunks already written)");
        return InstallFlow.Outcome.NEXT;
    }

    private static boolean sameTargets(InstallJournal j, List<InstallJournal.ImageProgress> fresh) {
        if (j.images().size() != fresh.size()) {
            return false;
        }
        for (InstallJournal.ImageProgress f : fresh) {
            InstallJournal.ImageProgress p = j.image(f.image());
            if (p == null || !p.slot().equals(f.slot()) || p.chunkSize() != f.chunkSize()) {
                return false;
            }
        }
        return true;
    }

    /** Journal first (intent), then every target is made unbootable and its saved tables dropped. */
    static InstallFlow.Outcome markTargetWriting(InstallContext ctx) throws IOException {
        ctx.journal.store(ctx.journalFile);
        for (ImageTarget t : ctx.targets) {
            ctx.slots.markWriting(t.slot());
            ctx.tables.drop(t.slot().name());
        }
        return InstallFlow.Outcome.NEXT;
    }

    /**
     * Reads the next image's chunk table (it follows the previous image's data). An image completed before an
     * interruption goes through every image state too: every chunk is DONE, and the resumed install reads it
     * back and checks it, so that it is recorded installed like the others (skipping it left its slot "writing"
     * and made every later resume fail at activation).
     */
    static InstallFlow.Outcome nextImage(InstallContext ctx) throws IOException {
        if (!ctx.reader.hasNextImage()) {
            ctx.progress.flush();
            return InstallFlow.Outcome.NO_MORE_IMAGES;
        }
        ImageSection section = ctx.reader.nextImage();
        ImageEntry image = section.image();
        Slot slot = targetOf(ctx, image);
        long doneBelow = ctx.journal.image(image.name()).doneBelow();
        ctx.image = new ImageRun(section, slot, doneBelow);
        ctx.progress.startImage(image.name(), slot.name(), image.chunks(),
                Math.min(image.size(), doneBelow * image.chunkSize()), doneBelow);
        return InstallFlow.Outcome.NEXT;
    }

    /** Where each chunk comes from: done, zero, in place, the local slot, its blocks, or the bundle. */
    static InstallFlow.Outcome planRoutes(InstallContext ctx) throws IOException {
        ImageRun run = ctx.image;
        LocalSource local = localSource(ctx, run.image);
        // A resume checks the window in place even at done-below 0: a run killed before its first sync wrote it.
        long window = ctx.resumed ? ctx.settings.resumeWindowChunks(run.image.chunkSize()) : 0;
        run.routes = new ReusePlanner(run.section.index()).plan(run.doneBelow, window,
                ctx.targetBefore.get(run.slot.name()),
                local == null ? null : local.chunks, local == null ? 0 : local.size);
        assembleFromBlocks(ctx, run.section, run.routes, local);
        boolean readsLocal = run.routes.countOf(ChunkRoutes.Route.LOCAL)
                + run.routes.countOf(ChunkRoutes.Route.ASSEMBLE) + run.routes.countLocalFallbacks() > 0;
        run.local = readsLocal ? local : null;
        return InstallFlow.Outcome.NEXT;
    }

    /** Runs the image's chunks through the {@link ChunkPipeline}; the journal follows each sync. */
    static InstallFlow.Outcome stream(InstallContext ctx) throws IOException {
        ImageRun run = ctx.image;
        run.target = ctx.opener.openTarget(run.slot, run.image.size());
        run.tables = ctx.tables.builder(run.slot.name(), run.image.size(), run.image.chunkSize());
        run.localTarget = run.local == null ? null : ctx.opener.openLocal(run.local.slot);
        ChunkPipeline pipeline = new ChunkPipeline(run.section, run.routes, run.target, run.localTarget, run.tables,
                ctx.progress, doneBelow -> journalDoneBelow(ctx, run, doneBelow), ctx.settings.workers(),
                ctx.settings.syncIntervalBytes(), ctx.settings.inFlightBytes());
        run.outcome = pipeline.run(ctx.source, run.doneBelow);
        return InstallFlow.Outcome.NEXT;
    }

    private static void journalDoneBelow(InstallContext ctx, ImageRun run, long doneBelow) throws IOException {
        ctx.journal = ctx.journal.with(new InstallJournal.ImageProgress(run.image.name(), run.slot.name(),
                run.image.chunkSize(), doneBelow, false));
        ctx.journal.store(ctx.journalFile);
    }

    /** Everything written reaches the device, then the journal says the whole image is written. */
    static InstallFlow.Outcome sync(InstallContext ctx) throws IOException {
        ImageRun run = ctx.image;
        run.target.sync();
        journalDoneBelow(ctx, run, run.section.index().count());
        return InstallFlow.Outcome.NEXT;
    }

    /**
     * The image on the target is the signed one. A fresh run has proved it chunk by chunk: each chunk was checked
     * against its signed hash before it was written, and the pipeline failed unless every chunk was written. A
     * resume wrote the chunks below its done-below in an earlier process, so the image is read back and its
     * SHA-256 compared with the manifest's. Then its tables are saved and its journal entry marked complete.
     */
    static InstallFlow.Outcome checkImage(InstallContext ctx) throws IOException {
        ImageRun run = ctx.image;
        ImageEntry image = run.image;
        String sha = image.sha256();
        if (ctx.resumed) {
            String read = SlotReader.verify(run.target, run.section.index(), run.tables, ctx.progress);
            if (!read.equals(image.sha256())) {
                throw new VerificationException(VerificationException.Kind.IMAGE, "image " + image.name() + " on "
                        + run.slot.name() + ": sha256 mismatch (expected " + image.sha256() + ", got " + read + ")",
                        -1, image.sha256(), read);
            }
        }
        run.tables.commit();
        run.close();
        ctx.image = null;
        ctx.results.add(new InstallResult.ImageResult(image.name(), run.slot.name(), image.size(), sha,
                run.outcome.written(), run.outcome.reused(), run.outcome.zeroed()));
        ctx.journal = ctx.journal.with(new InstallJournal.ImageProgress(image.name(), run.slot.name(),
                image.chunkSize(), image.chunks(), true));
        ctx.journal.store(ctx.journalFile);
        return InstallFlow.Outcome.NEXT;
    }

    /**
     * Route 3: chunks still to download are looked for block by block, through their hints. Skipped when it
     * cannot pay off: no local reuse (the CLI turns it off for a local bundle file, where reading the bundle is
     * as cheap as reading the slot), no saved block table, or a source that cannot go back to the hints (a pipe:
     * the reader has already passed them).
     */
    private static void assembleFromBlocks(InstallContext ctx, ImageSection section, ChunkRoutes routes,
                                           LocalSource local) throws IOException {
        if (local == null || local.blocks == null || !ctx.source.canSeekBackward()
                || routes.countOf(ChunkRoutes.Route.DOWNLOAD) == 0) {
            return;
        }
        BlockAssemblyPlanner.Outcome o = new BlockAssemblyPlanner(section, local.blocks, local.size)
                .plan(routes, ctx.source);
        ctx.progress.note(section.image().name() + ": " + o.chunksAssembled() + " of " + o.chunksLooked()
                + " chunk(s) to assemble from local blocks (hints: " + o.hintBytes() + " bytes"
                + (o.stoppedEarly() ? "; stopped looking, they did not pay off" : "") + ")");
    }

    /** The booted slot of the image's class and its saved tables, when local reuse is on. */
    record LocalSource(Slot slot, SavedTables.SavedChunks chunks, SavedTables.SavedBlocks blocks, long size) {
    }

    private static LocalSource localSource(InstallContext ctx, ImageEntry image) throws IOException {
        if (!ctx.settings.reuseLocal()) {
            return null;
        }
        Slot booted = ctx.slots.group(ctx.slots.booted()).stream()
                .filter(s -> s.slotClass().equals(image.slotClass())).findFirst().orElse(null);
        if (booted == null) {
            return null;
        }
        long size = ctx.opener.size(booted);
        SavedTables.SavedChunks chunks = ctx.tables.chunks(booted.name());
        if (chunks == null || chunks.chunkSize() != image.chunkSize()) {
            // A factory-flashed slot (or one saved with another chunk size) is hashed once, as far as the new
            // image reaches: its old image most likely starts at byte 0 and is about as long, and the rest of a
            // partition (often much larger, and mostly never written) would cost time in proportion to the
            // partition instead of the update.
            long hashed = Math.min(size, image.size());
            ctx.progress.note("hashing slot " + booted.name() + " once to find reusable data (" + hashed
                    + " bytes)");
            try (BlockTarget in = ctx.opener.openLocal(booted);
                 SavedTables.Builder b = ctx.tables.builder(booted.name(), hashed, image.chunkSize())) {
                SlotReader.hashSlot(in, hashed, image.chunkSize(), ctx.settings.workers(), b);
            }
            chunks = ctx.tables.chunks(booted.name());
        }
        return chunks == null ? null : new LocalSource(booted, chunks, ctx.tables.blocks(booted.name()), size);
    }

    private static Slot targetOf(InstallContext ctx, ImageEntry image) {
        return ctx.targets.stream().filter(t -> t.image().name().equals(image.name())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no target for image " + image.name())).slot();
    }

    /** The container must end cleanly: trailing garbage fails the install before anything is recorded. */
    static InstallFlow.Outcome finishBundle(InstallContext ctx) throws IOException {
        ctx.reader.finish();
        return InstallFlow.Outcome.NEXT;
    }

    /** Records every target as installed; the post-install hook runs before activation. */
    static InstallFlow.Outcome installed(InstallContext ctx) throws IOException {
        for (InstallResult.ImageResult r : ctx.results) {
            Slot slot = ctx.slots.select(r.slot());
            ctx.slots.markInstalled(slot, ctx.candidate, r.sha256());
        }
        Slot first = ctx.targets.get(0).slot();
        Hooks.HookResult hook = hooks(ctx).run(Hooks.Hook.POST_INSTALL, environment(ctx, first));
        if (!hook.ok()) {
            for (ImageTarget t : ctx.targets) {
                ctx.slots.markBad(t.slot(), hook.reason());
            }
            ctx.journalFile.delete();
            throw new PolicyException(PolicyException.Reason.HOOK_FAILED, hook.reason());
        }
        if (ctx.options.noActivate()) {
            ctx.journalFile.delete();
            return InstallFlow.Outcome.STOP_INSTALLED;
        }
        return InstallFlow.Outcome.NEXT;
    }

    /** Try-once: the new slot boots next, once; the old one stays the fallback. */
    static InstallFlow.Outcome activate(InstallContext ctx) throws IOException {
        List<Slot> group = ctx.targets.stream().map(ImageTarget::slot).distinct().toList();
        ctx.slots.activate(group);
        ctx.activated = true;
        ctx.journalFile.delete();
        return InstallFlow.Outcome.NEXT;
    }

    private static Hooks hooks(InstallContext ctx) {
        SystemConfig cfg = ctx.slots.config();
        return new Hooks(cfg.hooks(), cfg.compatible(), cfg.dataDir());
    }

    private static Map<String, String> environment(InstallContext ctx, Slot slot) {
        return Hooks.environment(slot, ctx.candidate.bundleId(), ctx.candidate.version(), null);
    }
}
