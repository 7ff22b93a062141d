/**
 * The training run behind {@code up}'s class-data-sharing archive (decision records 0007, 0010):
 * {@code up}'s start path in one JVM, on loopback and in a temporary directory.
 *
 * <p>May depend on cli, gateway and what they use; nothing depends on it (scripts/tailgate runs
 * it).
 */
package dev.tailgate.training;
