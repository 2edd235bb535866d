/**
 * The one error hierarchy (ARCHITECTURE.md §2): {@link dev.tandem.errors.TandemException} and
 * {@link dev.tandem.errors.Categorized} carry an {@link dev.tandem.errors.ExitCategory}, so the CLI maps any
 * failure to its exit code with one lookup. The bottom of the module graph: depends on nothing.
 */
package dev.tandem.errors;
