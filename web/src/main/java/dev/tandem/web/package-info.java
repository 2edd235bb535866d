/**
 * The web install page ({@code [web]} in system.toml): an HTTPS server whose upload is the bundle source of a
 * streaming install, a single static page that drives it, and the narrow {@link dev.tandem.web.InstallService}
 * it installs through. Threats and defences: SECURITY.md "Web install page".
 */
package dev.tandem.web;
