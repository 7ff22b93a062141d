/**
 * The admin listener: health, Prometheus metrics, the PAC file and a live status page, read-only.
 *
 * <p>Reads a {@link dev.tailgate.web.Status} snapshot that the caller assembles and never changes
 * anything; depends on {@code audit} (it observes connection events for the metrics) on the relay's
 * listener types and {@code Credentials}, and on {@code base}'s Basic-auth check only.
 */
package dev.tailgate.web;
