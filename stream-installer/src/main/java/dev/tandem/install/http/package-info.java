/**
 * Bundles over HTTP(S): {@link dev.tandem.install.http.HttpSource} streams a bundle with bounded memory and
 * resumes by Range ({@code tandem serve}'s server is module serve's). Built on Netty only; must not depend on the install pipeline or on slot management.
 */
package dev.tandem.install.http;
