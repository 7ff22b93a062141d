/**
 * The relay: one listener that detects SOCKS5, SOCKS4/4a or HTTP CONNECT, asks the allowlist, dials
 * the upstream (tailscaled's SOCKS5 or the host itself), then pumps bytes with backpressure.
 *
 * <p>Depends on {@code policy} (decisions), {@code audit} (the connection log), {@code localpeer}
 * (who is behind a loopback client) and {@code base} (Basic auth, the auth-file) only; the pipeline
 * order is drawn in {@link dev.tailgate.relay.PipelineNames}.
 */
package dev.tailgate.relay;
