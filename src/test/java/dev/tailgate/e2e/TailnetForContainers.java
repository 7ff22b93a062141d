package dev.tailgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The e2e's tailnet (namespace, headscale, the peer with its web server and sshd) for the container
 * tests in {@code dev.tailgate.container}: a container joins it with {@code --network ns:}{@link
 * #netnsPath()}, so that everything stays on the namespace's loopback, and its tailgate logs in
 * with a key made here. Skips or fails as {@link Binaries#require()} says.
 */
public final class TailnetForContainers implements AutoCloseable {
  /** The port of the peer's web server, reached through the relay as {@code PEER:PORT}. */
  public static final int HTTP_PORT = RealTailnet.HTTP_PORT;

  /** The port the peer's sshd listens on (22), reached through the relay. */
  public static final int SSH_PORT = RealTailnet.SSH_PORT;

  /** headscale's URL, for {@code --login-server}. */
  public static final String LOGIN_SERVER = Headscale.URL;

  private final RealTailnet world;

  private TailnetForContainers(RealTailnet world) {
    this.world = world;
  }

  /** Starts headscale, the peer, its web server and sshd in a namespace of their own. */
  public static TailnetForContainers start() throws Exception {
    RealTailnet world = new RealTailnet(Binaries.require());
    try {
      world.startTailnet();
    } catch (Exception | Error e) {
      world.close();
      throw e;
    }
    return new TailnetForContainers(world);
  }

  /** $TAILGATE_CACHE, default ~/.cache/tailgate: the e2e's binaries and the container tools. */
  public static Path cacheDir() {
    return Binaries.cacheDir();
  }

  /** The tailscaled and tailscale binaries the e2e built (for the images). */
  public static Path tailscaled() {
    return cacheDir().resolve("bin/tailscaled");
  }

  public static Path tailscale() {
    return cacheDir().resolve("bin/tailscale");
  }

  /** The namespace's path, for {@code podman run --network ns:PATH}. */
  public String netnsPath() {
    return "/run/netns/" + world.ns.name;
  }

  /** A single-use pre-auth key of the e2e's user. */
  public String singleUseKey() throws IOException, InterruptedException {
    return world.headscale.createKey(world.userId, false);
  }

  /** headscale's pre-auth keys (JSON array; {@code used} says whether a key logged a node in). */
  public JsonNode keys() throws IOException, InterruptedException {
    return world.headscale.keys();
  }

  /** headscale's nodes (JSON array). */
  public JsonNode nodes() throws IOException, InterruptedException {
    return world.headscale.nodes();
  }

  /** The peer's MagicDNS name. */
  public String peerName() {
    return world.peerName;
  }

  /** A client key the peer's sshd accepts for root, and a known_hosts naming the peer's key. */
  public Path sshClientKey() {
    return world.sshd.clientKey;
  }

  public Path sshKnownHosts() {
    return world.sshd.knownHosts;
  }

  /** The text the peer's web server puts in every answer. */
  public String marker() {
    return world.marker;
  }

  /** What every tailscaled needs on a loopback-only network (see RealTailnet). */
  public static Map<String, String> tailscaledEnv() {
    return RealTailnet.TAILSCALED_ENV;
  }

  /** Where the daemons' logs went. */
  public Path logs() {
    return world.logs;
  }

  @Override
  public void close() {
    world.close();
  }
}
