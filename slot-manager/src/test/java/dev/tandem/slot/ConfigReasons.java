package dev.tandem.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Consumer;

/** Asserts a {@link ConfigException}'s reason, so tests do not depend on the wording of its message. */
public final class ConfigReasons {

    private ConfigReasons() {
    }

    public static Consumer<Throwable> reason(ConfigException.Reason expected) {
        return e -> assertThat(e).isInstanceOfSatisfying(ConfigException.class,
                c -> assertThat(c.reason()).as(c.getMessage()).isEqualTo(expected));
    }
}
