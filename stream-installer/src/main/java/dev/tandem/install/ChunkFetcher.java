package dev.tandem.install;

import dev.tandem.bundle.BundleSource;
import dev.tandem.bundle.ImageSection;
import java.io.IOException;
import java.util.List;

/**
 * The fetch stage, on the calling thread: gets each chunk {@link FetchWalk} asks for into a pooled job and hands
 * it on through {@link PipelineHandoffs}. Downloads go to the source in {@link RangeBatcher} batches and are cut
 * into jobs by a {@link ChunkCutter}.
 */
final class ChunkFetcher implements FetchWalk.Fetch {

    private final BundleSource source;
    private final ImageSection section;
    private final PipelineHandoffs handoffs;
    private final ChunkVerifier verifier;
    private final VerifyWorkers workers;
    private final RangeBatcher.StoredLayout layout;
    private final ChunkCutter.Stage toVerify;

    ChunkFetcher(BundleSource source, ImageSection section, PipelineHandoffs handoffs, ChunkVerifier verifier,
                 VerifyWorkers workers) {
        this.source = source;
        this.section = section;
        this.handoffs = handoffs;
        this.verifier = verifier;
        this.workers = workers;
        this.layout = new RangeBatcher.StoredLayout() {
            @Override
            public long offset(long chunk) {
                return section.storedChunkOffset(chunk);
            }

            @Override
            public int length(long chunk) {
                return section.index().storedLength(chunk);
            }
        };
        this.toVerify = new ChunkCutter.Stage() {
            @Override
            public ChunkJob take() throws IOException {
                return handoffs.take();
            }

            @Override
            public void cut(ChunkJob j) {
                handoffs.toVerify(j);
            }
        };
    }

    @Override
    public void download(List<Long> chunks) throws IOException {
        int from = 0;
        while (from < chunks.size()) {
            RangeBatcher.Batch batch = RangeBatcher.next(chunks, from, layout);
            ChunkCutter cutter = new ChunkCutter(chunks.subList(from, batch.to()), section.image(), layout, toVerify);
            source.readRanges(batch.ranges(), cutter);
            handoffs.dispatch();
            cutter.finish(source.name());
            from = batch.to();
        }
    }

    @Override
    public void zeroRun(long from, int count, long bytes) throws IOException {
        ChunkJob j = handoffs.take().of(from, ChunkRoutes.Route.ZERO, (int) bytes);
        j.count = count;
        handoffs.toWriter(j);
    }

    @Override
    public boolean inPlace(long i) throws IOException {
        ChunkJob j = handoffs.take().of(i, ChunkRoutes.Route.IN_PLACE, section.image().chunkLength(i));
        if (!verifier.verifyInPlace(j, workers.decoder())) {
            handoffs.giveBack(j);
            return false;
        }
        handoffs.toWriter(j);
        return true;
    }

    @Override
    public void reuse(long i, ChunkRoutes.Route route) throws IOException {
        handoffs.toVerify(handoffs.take().of(i, route, section.image().chunkLength(i)));
    }
}
