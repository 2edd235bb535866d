package dev.tandem.slot.policy;

import dev.tandem.slot.Slot;

/**
 * Where one image of a candidate goes.
 *
 * @param image the image
 * @param slot  its target slot, never the booted slot nor one of its group
 */
public record ImageTarget(CandidateImage image, Slot slot) {
}
