package dev.tailgate.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The benchmark's command line, parsed and checked in one place. */
record BenchOptions(
    long bulkMib,
    int bulkRuns,
    int iterations,
    int warmup,
    int rounds,
    int maxMinutes,
    List<Proxy> proxies) {

  static final String USAGE =
      """
      usage: RelayBench [--bulk-mib N] [--bulk-runs N] [--iterations N] [--warmup N] [--rounds N]
                        [--max-minutes N] --proxy NAME=HOST:PORT ...
        --bulk-mib N     MiB sent client -> sink per bulk run (default 1024)
        --bulk-runs N    bulk runs per proxy, interleaved; the median is reported (default 3)
        --iterations N   counted connect+echo samples per proxy (default 2000)
        --warmup N       uncounted connect+echo samples per proxy first (default 500)
        --rounds N       the samples are taken in N interleaved rounds (default 4)
        --max-minutes N  give up after this long (default 60)
        --proxy N=H:P    a SOCKS5 proxy on loopback (repeatable); 'none' is always measured
      """;

  static BenchOptions parse(String[] args) throws IOException {
    long bulkMib = 1024;
    int bulkRuns = 3;
    int iterations = 2000;
    int warmup = 500;
    int rounds = 4;
    int maxMinutes = 60;
    List<Proxy> proxies = new ArrayList<>(List.of(Proxy.none()));
    for (Flag f : Flag.pairs(args)) {
      String flag = f.name();
      String value = f.value();
      switch (flag) {
        case "--bulk-mib" -> bulkMib = positive(flag, value);
        case "--bulk-runs" -> bulkRuns = (int) positive(flag, value);
        case "--iterations" -> iterations = (int) positive(flag, value);
        case "--warmup" -> warmup = (int) atLeastZero(flag, value);
        case "--rounds" -> rounds = (int) positive(flag, value);
        case "--max-minutes" -> maxMinutes = (int) positive(flag, value);
        case "--proxy" -> proxies.add(Proxy.parse(value));
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (rounds > iterations) {
      throw new IllegalArgumentException("--rounds must not exceed --iterations");
    }
    return new BenchOptions(
        bulkMib, bulkRuns, iterations, warmup, rounds, maxMinutes, List.copyOf(proxies));
  }

  /** Samples in round {@code round} (from 0): the iterations spread as evenly as they go. */
  int samplesInRound(int round) {
    return iterations / rounds + (round < iterations % rounds ? 1 : 0);
  }

  /** One {@code --flag value} pair of a command line. */
  record Flag(String name, String value) {
    /** The arguments as pairs; every flag takes a value. */
    static List<Flag> pairs(String[] args) {
      List<Flag> flags = new ArrayList<>();
      for (int i = 0; i < args.length; i += 2) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        flags.add(new Flag(args[i], args[i + 1]));
      }
      return flags;
    }
  }

  static long positive(String flag, String value) {
    long n = atLeastZero(flag, value);
    if (n == 0) {
      throw new IllegalArgumentException(flag + " must be at least 1");
    }
    return n;
  }

  static long atLeastZero(String flag, String value) {
    long n;
    try {
      n = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " wants a whole number, not '" + value + "'", e);
    }
    if (n < 0 || n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(flag + " is out of range: " + value);
    }
    return n;
  }
}
