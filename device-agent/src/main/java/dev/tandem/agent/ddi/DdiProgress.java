package dev.tandem.agent.ddi;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * {@code status.result.progress}: {@code cnt} of {@code of} steps done. tandem sends whole percent of image
 * bytes, {@code of = 100}.
 *
 * @param cnt steps done
 * @param of  steps in all
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DdiProgress(@JsonProperty("cnt") int cnt, @JsonProperty("of") int of) {

    public DdiProgress {
        if (cnt < 0 || of < 1 || cnt > of) {
            throw new IllegalArgumentException("bad progress " + cnt + " of " + of);
        }
    }
}
