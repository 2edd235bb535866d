package dev.tandem.storage.linux;

import dev.tandem.errors.Categorized;
import dev.tandem.errors.ExitCategory;
import java.io.IOException;

/** A failed native call: keeps the errno and which call failed on what, as Netty's {@code Errors} does. */
public final class NativeIoException extends IOException implements Categorized {

    private final int errno;
    private final String call;

    NativeIoException(String call, String target, int errno) {
        super(call + " on " + target + ": " + describe(errno));
        this.errno = errno;
        this.call = call;
    }

    public int errno() {
        return errno;
    }

    public String call() {
        return call;
    }

    private static String describe(int errno) {
        try {
            return LibC.INSTANCE.strerror(errno) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    @Override
    public ExitCategory category() {
        return ExitCategory.IO;
    }
}
