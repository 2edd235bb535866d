/**
 * The local API (device-agent/API.md): {@link dev.tandem.agent.api.InstallService} runs one install at a time for
 * local clients and streams its events; {@link dev.tandem.agent.api.ApiProtocol} is the versioned JSON-lines
 * protocol; {@link dev.tandem.agent.api.ApiServer} serves it on a Unix socket with bounded clients;
 * {@link dev.tandem.agent.api.ApiClient} is the CLI's side.
 */
package dev.tandem.agent.api;
