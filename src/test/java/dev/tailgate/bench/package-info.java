/**
 * Benchmarks, main classes run by scripts/bench-*.sh, not tests: throughput and latency beside
 * Dante, microsocks and no proxy (RelayBench, now run by hand only: bench-relay.sh's client is
 * scripts/bench-relay.py), many connections held open (LoadBench), recovery after a killed
 * tailscaled (RecoveryBench) and a soak with kills (SoakBench). RelayBench and LoadBench use plain
 * java.net/java.nio and measure the relay only from outside, as a client would; RecoveryBench and
 * SoakBench use the tailscaled test double from dev.tailgate.testing. NettyFloorTest keeps
 * scripts/bench/NettyFloor.java, bench-relay's netty-only reference, compiling and relaying.
 */
package dev.tailgate.bench;
