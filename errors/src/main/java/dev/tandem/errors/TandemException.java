package dev.tandem.errors;

/** The base of tandem's unchecked failures: a one-line message and the {@link ExitCategory} it exits with. */
public abstract class TandemException extends RuntimeException implements Categorized {

    private final ExitCategory category;

    protected TandemException(ExitCategory category, String message) {
        super(message);
        this.category = category;
    }

    protected TandemException(ExitCategory category, String message, Throwable cause) {
        super(message, cause);
        this.category = category;
    }

    @Override
    public final ExitCategory category() {
        return category;
    }
}
