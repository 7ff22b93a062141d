package dev.tailgate.ansible;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.testing.ExternalTool;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.RunningProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The tailscaled double, Running and logged in, with the peers of a JSON list (the double's
 * peers-file format, re-read when it changes): a LocalAPI for the inventory plugin and {@code
 * tailgate ansible}, and a SOCKS5 port that reaches the peers' addresses.
 */
final class LoggedInDouble implements AutoCloseable {
  final FakeTailnet tailnet;
  private final Path dir;
  private final Path peers;
  private final RunningProcess daemon;

  private LoggedInDouble(Path dir, FakeTailnet tailnet, Path peers, RunningProcess daemon) {
    this.dir = dir;
    this.tailnet = tailnet;
    this.peers = peers;
    this.daemon = daemon;
  }

  static LoggedInDouble start(Path dir, String peersJson) throws Exception {
    FakeTailnet tailnet = new FakeTailnet(dir);
    Path peers = dir.resolve("double-peers.json");
    Files.writeString(peers, peersJson);
    tailnet.env("TAILSCALED_FAKE_PEERS", peers.toString());
    RunningProcess daemon =
        RunningProcess.start(
            List.of(
                tailnet.wrapper("tailscaled").toString(),
                "--tun=userspace-networking",
                "--statedir=" + tailnet.stateDir,
                "--socket=" + tailnet.socket,
                "--socks5-server=127.0.0.1:" + tailnet.socksPort),
            tailnet.daemonLog);
    LoggedInDouble running = new LoggedInDouble(dir, tailnet, peers, daemon);
    // The double binds its SOCKS5 port once its LocalAPI socket is there.
    ExternalTool.awaitListening(tailnet.socksPort, Duration.ofSeconds(10), daemon.process());
    RunningProcess.Result up =
        RunningProcess.run(
            List.of(
                tailnet.wrapper("tailscale").toString(),
                "--socket=" + tailnet.socket,
                "up",
                "--auth-key=file:" + tailnet.keyFile,
                "--timeout=20s"),
            new byte[0],
            Duration.ofSeconds(30));
    assertThat(up.exitCode()).as(up.output() + daemon.output()).isZero();
    return running;
  }

  /** Gives the tailnet these peers from now on. */
  void peers(String json) throws IOException {
    Path tmp = dir.resolve("double-peers.json.tmp");
    Files.writeString(tmp, json);
    Files.move(tmp, peers, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Stops tailscaled: its socket goes. */
  void stop() {
    daemon.close();
  }

  @Override
  public void close() {
    daemon.close();
    RunningProcess.killAllUnder(dir);
  }
}
