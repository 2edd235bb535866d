package dev.tandem.install;

/**
 * A snapshot of an install's progress.
 *
 * @param image           the image being written
 * @param slot            its target slot
 * @param chunksDone      chunks of this image written or confirmed in place
 * @param chunksTotal     chunks of this image
 * @param imageBytesDone  image bytes written or confirmed in place, all images so far
 * @param imageBytesTotal total image bytes of the bundle
 * @param bytesDownloaded bytes received from the source (index, hints and re-fetches included)
 * @param bytesReused     image bytes taken from the device instead of the source
 * @param bytesWritten    bytes written to the target (zero ranges included)
 * @param bytesPerSecond  image bytes per second over the last seconds
 * @param etaSeconds      estimated seconds left, or -1 when unknown
 */
public record InstallProgress(String image, String slot, long chunksDone, long chunksTotal, long imageBytesDone,
                              long imageBytesTotal, long bytesDownloaded, long bytesReused, long bytesWritten,
                              double bytesPerSecond, long etaSeconds) {

    /** Whole percent of image bytes done. */
    public int percent() {
        return imageBytesTotal == 0 ? 100 : (int) (100 * imageBytesDone / imageBytesTotal);
    }
}
