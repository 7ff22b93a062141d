package dev.tailgate.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.opentest4j.TestAbortedException;

/**
 * What every class of scenarios on a real tailnet shares: the binaries or a visible skip, one
 * {@link RealTailnet} for the class (headscale and the peer started, tailgate's CDS archives made),
 * the scenarios in order, and the teardown. A subclass brings up its gateway in {@link #bringUp}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class OnRealTailnet {
  RealTailnet net;
  private String skipped;

  /** Settings of the tailnet to change before it starts; nothing by default. */
  void configure(RealTailnet tailnet) {}

  /** The rest of the class's set-up, once the tailnet runs: {@link #net} is there. */
  abstract void bringUp(Binaries bin) throws Exception;

  /** What the class started beyond the tailnet, stopped before it; nothing by default. */
  void stopMore() {}

  @BeforeAll
  final void bringUpTheTailnet() throws Exception {
    Binaries bin;
    try {
      bin = Binaries.require();
    } catch (TestAbortedException e) {
      // Aborted here, the class would be counted as 0 tests run; skip each test instead, so that
      // Surefire's summary shows them skipped, with the reason.
      skipped = e.getMessage();
      System.out.println("e2e: " + skipped);
      return;
    }
    net = new RealTailnet(bin);
    configure(net);
    TailgateCli.warmUp();
    try {
      net.startTailnet();
      bringUp(bin);
    } catch (Throwable e) {
      System.out.println("e2e: setup failed; logs in " + net.logs);
      throw e;
    }
  }

  @BeforeEach
  final void skipWithoutTheTools() {
    Assumptions.assumeTrue(skipped == null, skipped);
  }

  @AfterAll
  final void tearDown() {
    stopMore();
    if (net != null) {
      net.close();
    }
  }
}
