/**
 * The installer's native border (JNA): block device size, exclusive open, zeroing, cache flush. Nothing outside
 * this package imports {@code com.sun.jna}; failures become {@link dev.tandem.storage.linux.NativeIoException}s
 * that keep the errno and the call.
 */
package dev.tandem.storage.linux;
