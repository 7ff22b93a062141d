package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.relay.Transports;
import dev.tailgate.testing.FakeTailnet;
import dev.tailgate.testing.NioEchoServer;
import dev.tailgate.testing.RunningProcess;
import dev.tailgate.testing.SocksClient;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailscaled double's own SOCKS5 relay, which every bootstrap test and the soak stand on: it
 * must carry bytes as exactly as the real daemon, also when flow control pauses both directions.
 */
class TailscaledDoubleTest {
  private static final int STREAMS = 4;
  private static final int ROUNDS = 75;
  private static final int BYTES = 4 << 20;

  @TempDir Path dir;

  @Test
  void carriesEveryByteOfHalfClosedBulkStreamsToASlowTarget() throws Exception {
    EventLoopGroup group = Transports.EPOLL.newGroup(1);
    ExecutorService pool = Executors.newCachedThreadPool();
    // One selector thread for all streams: a target slow enough that both directions pause.
    try (NioEchoServer echo = NioEchoServer.start(1)) {
      FakeTailnet tailnet = new FakeTailnet(dir).peer("web", echo.address().getPort());
      try (LocalApiClient api = new LocalApiClient(group, tailnet.socket);
          Supervisor supervisor = new Supervisor(tailnet.settings(), api, m -> {})) {
        supervisor.start();
        InetSocketAddress socks = new InetSocketAddress("127.0.0.1", tailnet.socksPort);
        List<Future<List<Long>>> runs = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
          runs.add(pool.submit(() -> rounds(pool, socks)));
        }
        List<Long> received = new ArrayList<>();
        for (Future<List<Long>> run : runs) {
          received.addAll(run.get(120, TimeUnit.SECONDS));
        }

        assertThat(received).hasSize(STREAMS * ROUNDS).containsOnly((long) BYTES);
        assertThat(FakeTailnet.lines(tailnet.daemonLog))
            .noneMatch(l -> l.contains("Task was destroyed"));
      } finally {
        DaemonStopper.stop(tailnet.stateDir);
        RunningProcess.killAllUnder(dir);
      }
    } finally {
      pool.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** One after another: write BYTES, half-close, count what comes back until EOF. */
  private static List<Long> rounds(ExecutorService pool, InetSocketAddress socks) throws Exception {
    List<Long> received = new ArrayList<>();
    for (int r = 0; r < ROUNDS; r++) {
      try (Socket s = SocksClient.open(socks)) {
        assertThat(SocksClient.connect(s, "web." + FakeTailnet.SUFFIX, 22)).isZero();
        Future<?> writer =
            pool.submit(
                () -> {
                  OutputStream out = s.getOutputStream();
                  byte[] chunk = new byte[64 * 1024];
                  for (int sent = 0; sent < BYTES; sent += chunk.length) {
                    out.write(chunk);
                  }
                  s.shutdownOutput();
                  return null;
                });
        long got = 0;
        InputStream in = s.getInputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
          got += n;
        }
        writer.get(30, TimeUnit.SECONDS);
        received.add(got);
      } catch (java.io.IOException e) {
        received.add(-1L); // a reset: counted as a stream that lost bytes
      }
    }
    return received;
  }
}
