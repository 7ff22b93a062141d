/**
 * The end-to-end test on a real tailnet: headscale, two real userspace tailscaled (a peer, and the
 * gateway's, started by {@code tailgate up} itself), sshd, Chromium, curl and ssh, all inside a
 * network namespace of the test's own that has nothing but a loopback interface. Depends on the
 * CLI's main class and the helpers in {@code dev.tailgate.testing}; binaries from
 * scripts/e2e/install.sh.
 */
package dev.tailgate.e2e;
