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
    static InstallFlow.Outcome plan(InstallContext ctx) throws IOException {
        Optional<InstallJournal> old = InstallJournal.load(ctx.journalFile);
        List<InstallJournal.ImageProgress> fresh = new ArrayList<>();
        for (ImageTarget t : ctx.targets) {
            ImageEntry e = ctx.reader.manifest().image(t.image().name());
            fresh.add(new InstallJournal.ImageProgress(e.name(), t.slot().name(), e.chunkSize(), 0, false));
        }
        String booted = ctx.slots.booted().name();
        if (old.isPresent() && old.get().bundleId().equals(ctx.candidate.bundleId())
                && booted.equals(old.get().bootedSlot()) && sameTargets(old.get(), fresh)) {
            InstallJournal j = old.get();
            if (j.resumes() >= ctx.settings.maxResumes()) {
                ctx.journalFile.delete();
                throw new PolicyException(PolicyException.Reason.WRONG_STATE, "this install was resumed "
                        + j.resumes() + " times without finishing; giving up (the next install starts over)");
            }
            ctx.journal = new InstallJournal(j.format(), j.bundleId(), booted, ctx.slots.bootId(), j.resumes() + 1,
                    j.images());
            ctx.resumed = true;
            long done = j.images().stream().mapToLong(p -> p.doneBelow()).sum();
            ctx.progress.note("resuming the interrupted install of this bundle (" + done + " chunks already written)");
        } else {
            ctx.journal = new InstallJournal(InstallJournal.FORMAT, ctx.candidate.bundleId(), booted,
                    ctx.slots.bootId(), 0, fresh);
            // What the target held before: chunks that did not change are checked in place, not rewritten.
            for (ImageTarget t : ctx.targets) {
                SavedTables.SavedChunks before = ctx.tables.chunks(t.slot().name());
                if (before != null) {
                    ctx.targetBefore.put(t.slot().name(), before);
                }
            }
        }
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

    /** Every image in bundle order: plan its routes, run the pipeline, check its hash, save its tables. */
    static InstallFlow.Outcome stream(InstallContext ctx) throws IOException {
        while (ctx.reader.hasNextImage()) {
            ImageSection section = ctx.reader.nextImage();
            ImageEntry image = section.image();
            Slot slot = targetOf(ctx, image);
            InstallJournal.ImageProgress progress = ctx.journal.image(image.name());
            ctx.progress.phase(InstallPhase.STREAM, image.name() + " -> " + slot.name());
            ctx.progress.startImage(image.name(), slot.name(), image.chunks(),
                    Math.min(image.size(), progress.doneBelow() * image.chunkSize()), progress.doneBelow());
            // An image completed before an interruption is streamed too: every chunk is DONE, and the resumed
            // install reads it back and checks it, so that it is recorded installed like the others (skipping
            // it left its slot "writing" and made every later resume fail at activation).
            ctx.results.add(streamImage(ctx, section, slot, progress));
            ctx.journal = ctx.journal.with(new InstallJournal.ImageProgress(image.name(), slot.name(),
                    image.chunkSize(), image.chunks(), true));
            ctx.journal.store(ctx.journalFile);
        }
        ctx.progress.flush();
        return InstallFlow.Outcome.NEXT;
    }

    private static InstallResult.ImageResult streamImage(InstallContext ctx, ImageSection section, Slot slot,
                                                         InstallJournal.ImageProgress progress) throws IOException {
        ImageEntry image = section.image();
        LocalSource local = localSource(ctx, image);
        // A resume checks the window in place even at done-below 0: a run killed before its first sync wrote it.
        long window = ctx.resumed ? ctx.settings.resumeWindowChunks(image.chunkSize()) : 0;
        ChunkRoutes routes = new ReusePlanner(section.index()).plan(progress.doneBelow(), window,
                ctx.targetBefore.get(slot.name()),
                local == null ? null : local.chunks, local == null ? 0 : local.size);
        assembleFromBlocks(ctx, section, routes, local);
        boolean readsLocal = routes.countOf(ChunkRoutes.Route.LOCAL) + routes.countOf(ChunkRoutes.Route.ASSEMBLE) > 0;
        try (BlockTarget target = ctx.opener.openTarget(slot, image.size());
             SavedTables.Builder tables = ctx.tables.builder(slot.name(), image.size(), image.chunkSize());
             BlockTarget localTarget = local == null || !readsLocal ? null : ctx.opener.openLocal(local.slot)) {
            ChunkPipeline pipeline = new ChunkPipeline(section, routes, target, localTarget, tables, ctx.progress,
                    doneBelow -> {
                        ctx.journal = ctx.journal.with(new InstallJournal.ImageProgress(image.name(), slot.name(),
                                image.chunkSize(), doneBelow, false));
                        ctx.journal.store(ctx.journalFile);
                    }, ctx.settings.workers(), ctx.settings.syncIntervalBytes(), ctx.settings.inFlightBytes());
            ChunkPipeline.Outcome outcome = pipeline.run(ctx.source, progress.doneBelow());
            ctx.progress.phase(InstallPhase.CHECK, image.name());
            String sha = outcome.imageSha256();
            if (ctx.resumed || outcome.needsReadBack()) {
                // A resumed install is read back in full: chunks from before the interruption were not hashed here.
                sha = SlotReader.verify(target, section.index(), tables, ctx.progress);
            }
            if (!sha.equals(image.sha256())) {
                throw new VerificationException(VerificationException.Kind.IMAGE, "image " + image.name() + " on "
                        + slot.name() + ": sha256 mismatch (expected " + image.sha256() + ", got " + sha + ")", -1,
                        image.sha256(), sha);
            }
            tables.commit();
            return new InstallResult.ImageResult(image.name(), slot.name(), image.size(), sha, outcome.written(),
                    outcome.reused(), outcome.zeroed());
        }
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
    private record LocalSource(Slot slot, SavedTables.SavedChunks chunks, SavedTables.SavedBlocks blocks, long size) {
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
            // A factory-flashed slot (or one saved with another chunk size) is hashed once.
            ctx.progress.note("hashing slot " + booted.name() + " once to find reusable data");
            try (BlockTarget in = ctx.opener.openLocal(booted);
                 SavedTables.Builder b = ctx.tables.builder(booted.name(), size, image.chunkSize())) {
                SlotReader.hashSlot(in, size, image.chunkSize(), b);
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
    static InstallFlow.Outcome check(InstallContext ctx) throws IOException {
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
