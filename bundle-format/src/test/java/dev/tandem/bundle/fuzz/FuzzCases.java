package dev.tandem.bundle.fuzz;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Sets a fuzz property's number of tries from {@code -Dfuzz.cases=N} (default: the property's own tries), so
 * that {@code mvn verify} runs a few thousand cases and a long run is one flag away.
 */
public final class FuzzCases implements AroundPropertyHook {

    /** The tries for this run. */
    public static int tries(int defaultTries) {
        return Integer.getInteger("fuzz.cases", defaultTries);
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        context.attributes().tries().ifPresent(t -> context.attributes().setTries(tries(t)));
        return property.execute();
    }
}
