package dev.tailgate.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tailgate.localapi.LocalApiClient;
import dev.tailgate.testing.FakeTailnet;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@code up --ephemeral} on the tailscaled double ({@code --state=mem:}): a killed daemon comes
 * back as a new node, logged in again with the same key source and nobody asked; a single-use key
 * cannot do that twice, and the re-bootstrap's one line says what to do.
 */
class EphemeralRestartTest extends OnTheDouble {
  private final List<String> said = new CopyOnWriteArrayList<>();

  EphemeralRestartTest() {
    super(1);
  }

  /** A started supervisor of the double that keeps what it says; stopped after the test. */
  private Supervisor started(BootstrapSettings settings) throws Exception {
    LocalApiClient api = new LocalApiClient(group, tailnet.socket);
    Supervisor sup = new Supervisor(settings, api, said::add);
    open.add(api);
    open.add(sup);
    sup.start();
    return sup;
  }

  /**
   * Kills the daemon with SIGKILL and waits up to 30 s for the supervisor to reach {@code state}.
   */
  private static void killAndAwait(Supervisor s, Predicate<Supervisor.Snapshot> state)
      throws InterruptedException {
    ProcessHandle.of(s.snapshot().pid()).orElseThrow().destroyForcibly();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline && !state.test(s.snapshot())) {
      Thread.sleep(50);
    }
  }

  /** The node ids the double registered, in order (from its log). */
  private static List<String> registered(FakeTailnet tailnet) throws Exception {
    return Files.readAllLines(tailnet.daemonLog).stream()
        .filter(l -> l.contains("fake: registered node "))
        .map(l -> l.substring(l.indexOf("registered node ") + 16).split(" ")[0])
        .toList();
  }

  @Test
  void aKilledEphemeralDaemonComesBackAsANewNodeWithTheReusableKeyAndNoPrompt() throws Exception {
    Supervisor s = started(tailnet.ephemeralSettings(true));
    long pid = s.snapshot().pid();

    killAndAwait(s, now -> now.phase() == Supervisor.Phase.RUNNING && now.pid() != pid);

    assertThat(s.snapshot().phase()).isEqualTo(Supervisor.Phase.RUNNING);
    assertThat(s.snapshot().restarts()).isEqualTo(1);
    assertThat(FakeTailnet.lines(tailnet.logins))
        .as("two key logins, none interactive")
        .hasSize(2)
        .allSatisfy(l -> assertThat(l).contains("\"interactive\": false", "\"result\": \"ok\""));
    assertThat(registered(tailnet)).hasSize(2).doesNotHaveDuplicates();
    assertThat(said).noneMatch(l -> l.contains("open http"));
  }

  @Test
  void aSingleUseKeyCannotLogTheRestartedNodeInAndTheLineSaysWhatToDo() throws Exception {
    Supervisor s = started(tailnet.ephemeralSettings(false));

    killAndAwait(s, now -> String.valueOf(now.lastFailure()).startsWith("tailscale up failed"));

    assertThat(s.snapshot().lastFailure())
        .startsWith("tailscale up failed: ")
        .contains("not valid")
        .endsWith(Login.EPHEMERAL_KEY_HINT)
        .doesNotContain("\n")
        .doesNotContain(FakeTailnet.KEY);
    assertThat(s.snapshot().phase()).isNotEqualTo(Supervisor.Phase.RUNNING);
  }
}
