/**
 * {@code tandem serve}: {@link dev.tandem.serve.StaticFileServer} serves a directory over HTTP(S) with Range and
 * multi-range answers. A module of its own so that the installer's jar carries no server: the CLI uses it, and
 * the installer's tests use it (test scope) as the server their HTTP source downloads from. Netty only; knows
 * nothing of bundles, slots or the installer.
 */
package dev.tandem.serve;
