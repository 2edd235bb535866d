/**
 * The {@code *.tandem} bundle format v1 (bundle-format/FORMAT.md): manifest, chunk table, block hints,
 * a streaming writer and a strict one-pass reader. Depends only on pki; knows nothing of slots or devices.
 */
package dev.tandem.bundle;
