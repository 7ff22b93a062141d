/**
 * A throughput and latency benchmark of the relay beside Dante, microsocks and no proxy: a main
 * class run by scripts/bench-relay.sh, not a test. Plain blocking java.net/java.nio; it depends on
 * nothing in tailgate, so it measures the relay only from outside, as a client would.
 */
package dev.tailgate.bench;
