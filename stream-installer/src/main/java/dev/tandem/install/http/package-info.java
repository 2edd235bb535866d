/**
 * Bundles over HTTP(S): {@link dev.tandem.install.http.HttpSource} streams a bundle with bounded memory and
 * resumes by Range, {@link dev.tandem.install.http.StaticFileServer} serves a directory for {@code tandem serve}.
 * Built on Netty only; must not depend on the install pipeline or on slot management.
 */
package dev.tandem.install.http;
