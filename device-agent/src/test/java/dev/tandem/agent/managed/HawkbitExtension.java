package dev.tandem.agent.managed;

import dev.tandem.agent.HawkbitServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives hawkBit tests the run's shared {@link HawkbitServer}, or skips them, saying why, when its jar is not built.
 */
final class HawkbitExtension implements BeforeAllCallback, ParameterResolver {

    @Override
    public void beforeAll(ExtensionContext context) {
        Assumptions.assumeTrue(HawkbitServer.jar().isPresent(), HawkbitServer.MISSING);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == HawkbitServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return HawkbitServer.shared(context);
    }
}
