/**
 * JMH micro-benchmarks of tandem's hot paths that need no package access: the JDK's SHA-256 as the yardstick of
 * everything else. The benchmarks of package-private code live in the bench module under the package they measure
 * ({@code dev.tandem.bundle}, {@code dev.tandem.install}), so that no main code gains a public hook for them.
 * {@code bench/jmh.sh} runs them all.
 */
package dev.tandem.bench;
