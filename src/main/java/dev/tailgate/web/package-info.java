/**
 * The admin listener: health, Prometheus metrics, the PAC file and a live status page, read-only.
 *
 * <p>Reads a {@link dev.tailgate.web.Status} snapshot that the caller assembles and never changes
 * anything; depends on {@code audit} (it observes connection events for the metrics) and on the
 * relay's listener types only.
 */
package dev.tailgate.web;
