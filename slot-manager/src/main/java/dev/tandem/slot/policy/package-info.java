/**
 * The install policy: what a {@link dev.tandem.slot.policy.Candidate} bundle must satisfy before any byte is
 * written (compatible, version, security version, fit, failed bundles), the targets it gets, and what a slot group
 * must hold to boot ({@link dev.tandem.slot.policy.GroupContent}). Refusals are
 * {@link dev.tandem.slot.policy.PolicyException}s with a reason.
 */
package dev.tandem.slot.policy;
