package dev.tailgate.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The load benchmark's command line, parsed and checked in one place.
 *
 * @param pids each proxy's process id, whose memory (with its descendants') is measured
 */
record LoadOptions(
    int connections,
    int holdSeconds,
    int echoEverySeconds,
    int rampPerSecond,
    int maxHandshakes,
    int settleSeconds,
    int maxMinutes,
    List<Proxy> proxies,
    Map<String, Long> pids) {

  static final String USAGE =
      """
      usage: LoadBench [--connections N] [--hold-seconds N] [--echo-every-seconds N]
                       [--ramp-per-second N] [--max-handshakes N] [--settle-seconds N]
                       [--max-minutes N] --proxy NAME=HOST:PORT --pid NAME=PID ...
        --connections N         tunnels held open at once through each proxy (default 10000)
        --hold-seconds N        how long all are held, echoing (default 60)
        --echo-every-seconds N  each tunnel echoes a message this often (default 5)
        --ramp-per-second N     connections opened per second at most (default 1000)
        --max-handshakes N      connections in their handshake at once at most (default 200)
        --settle-seconds N      wait after closing all, before measuring memory (default 5)
        --max-minutes N         give up after this long (default 30)
        --proxy NAME=HOST:PORT  a SOCKS5 proxy on loopback (repeatable), measured in turn
        --pid NAME=PID          the process of proxy NAME, for its memory (one per proxy)
      """;

  static LoadOptions parse(String[] args) throws IOException {
    int connections = 10_000;
    int hold = 60;
    int echoEvery = 5;
    int ramp = 1000;
    int handshakes = 200;
    int settle = 5;
    int maxMinutes = 30;
    List<Proxy> proxies = new ArrayList<>();
    Map<String, Long> pids = new HashMap<>();
    for (BenchOptions.Flag f : BenchOptions.Flag.pairs(args)) {
      String flag = f.name();
      String value = f.value();
      switch (flag) {
        case "--connections" -> connections = positive(flag, value);
        case "--hold-seconds" -> hold = positive(flag, value);
        case "--echo-every-seconds" -> echoEvery = positive(flag, value);
        case "--ramp-per-second" -> ramp = positive(flag, value);
        case "--max-handshakes" -> handshakes = positive(flag, value);
        case "--settle-seconds" -> settle = (int) BenchOptions.atLeastZero(flag, value);
        case "--max-minutes" -> maxMinutes = positive(flag, value);
        case "--proxy" -> proxies.add(Proxy.parse(value));
        case "--pid" -> {
          int eq = value.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--pid wants NAME=PID, not '" + value + "'");
          }
          pids.put(value.substring(0, eq), (long) positive(flag, value.substring(eq + 1)));
        }
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (proxies.isEmpty()) {
      throw new IllegalArgumentException("name at least one --proxy");
    }
    for (Proxy p : proxies) {
      if (!pids.containsKey(p.name())) {
        throw new IllegalArgumentException("no --pid for proxy " + p.name());
      }
    }
    return new LoadOptions(
        connections,
        hold,
        echoEvery,
        ramp,
        handshakes,
        settle,
        maxMinutes,
        List.copyOf(proxies),
        Map.copyOf(pids));
  }

  private static int positive(String flag, String value) {
    return (int) BenchOptions.positive(flag, value);
  }
}
