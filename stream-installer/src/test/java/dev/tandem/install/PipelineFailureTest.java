package dev.tandem.install;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class PipelineFailureTest {

    @Test
    void theStopIsASignalNotAFailure() {
        PipelineFailure f = new PipelineFailure();
        f.stop();
        assertThatCode(f::check).doesNotThrowAnyException();
        // What a stage throws because the pipeline stopped under it is not the install's failure either.
        f.fail(new IOException("interrupted by the stop"));
        assertThatCode(f::check).doesNotThrowAnyException();
    }

    @Test
    void theFirstFailureWinsAndOutlivesTheStop() {
        PipelineFailure f = new PipelineFailure();
        f.fail(new IOException("EIO on the target"));
        f.fail(new IllegalStateException("later"));
        f.stop();
        assertThatThrownBy(f::check).isInstanceOf(IOException.class).hasMessage("EIO on the target");
    }

    @Test
    void aCheckedFailureThatIsNoIoExceptionIsWrapped() {
        PipelineFailure f = new PipelineFailure();
        Exception odd = new Exception("odd");
        f.fail(odd);
        assertThatThrownBy(f::check).isInstanceOf(IOException.class).hasCause(odd);
    }
}
