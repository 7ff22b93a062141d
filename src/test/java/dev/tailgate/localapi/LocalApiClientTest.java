package dev.tailgate.localapi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LocalApiClient over a real unix socket, against the test double of tailscaled's LocalAPI. */
class LocalApiClientTest {
  private static final Duration SHORT = Duration.ofMillis(300);
  private static EventLoopGroup group;

  @TempDir Path dir;
  private Path socket;
  private FakeTailscaledLocalApi tailscaled;
  private LocalApiClient client;

  @BeforeAll
  static void startLoops() {
    group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
  }

  @AfterAll
  static void stopLoops() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void startFake() throws Exception {
    socket = dir.resolve("tailscaled.sock");
    tailscaled = FakeTailscaledLocalApi.start(group, socket);
    client = new LocalApiClient(group, socket);
  }

  /** A client whose deadline the timeout tests can wait out; the others keep the default 5 s. */
  private LocalApiClient impatientClient() {
    client.close();
    client = new LocalApiClient(group, socket, SHORT);
    return client;
  }

  @AfterEach
  void stopFake() {
    client.close();
    tailscaled.close();
  }

  private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
    try {
      future.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the call to fail");
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 5 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  // --- status ---

  @Test
  void fetchesAndParsesStatus() throws Exception {
    tailscaled.statusJson(Fixtures.bytes("/localapi/status-running.json"));

    TailscaleStatus status = client.status().get(5, TimeUnit.SECONDS);

    assertThat(status.state()).contains(IpnState.RUNNING);
    assertThat(status.self().orElseThrow().hostName()).isEqualTo("devcontainer-gw");
    assertThat(status.peers()).hasSize(3);
  }

  @Test
  void sendsTheLocalApiHostAndNoOriginOrReferer() throws Exception {
    client.status().get(5, TimeUnit.SECONDS);

    assertThat(tailscaled.requests)
        .containsExactly(
            new FakeTailscaledLocalApi.Request(
                "GET", "/localapi/v0/status", "local-tailscaled.sock", null, null));
  }

  @Test
  void non200AnswerGivesStatusCodeAndFirstLineOfBody() throws Exception {
    tailscaled.failWith(500, "server has no local backend\ngoroutine 1 [running]:");

    Throwable error = failureOf(client.status());

    assertThat(error)
        .isInstanceOf(LocalApiException.class)
        .hasMessage(
            "tailscaled answered GET /localapi/v0/status with 500 Internal Server Error:"
                + " server has no local backend");
    assertThat(((LocalApiException) error).statusCode()).isEqualTo(500);
  }

  @Test
  void daemonThatNeverAnswersTimesOutAndTheConnectionIsClosed() throws Exception {
    tailscaled.silent();

    Throwable error = failureOf(impatientClient().status());

    assertThat(error)
        .isInstanceOf(LocalApiException.class)
        .hasMessage(
            "tailscaled did not answer GET /localapi/v0/status within 300 ms on "
                + socket
                + ": it may be wedged");
    await(() -> tailscaled.closedConnections.get() == 1);
  }

  @Test
  void statusThatIsNotJsonIsAnError() throws Exception {
    tailscaled.statusJson("<html>tailscaled</html>".getBytes(UTF_8));

    assertThat(failureOf(client.status()))
        .isInstanceOf(LocalApiException.class)
        .hasMessage("tailscaled's status is not the JSON expected");
  }

  @Test
  void missingSocketSaysSo() throws Exception {
    Path absent = dir.resolve("absent.sock");
    try (LocalApiClient other = new LocalApiClient(group, absent)) {
      assertThat(failureOf(other.status()))
          .isInstanceOf(LocalApiException.class)
          .hasMessage(
              "tailscaled's LocalAPI socket " + absent + " does not exist: is tailscaled running?");
    }
  }

  @Test
  void staleSocketOfADeadDaemonIsRefused() throws Exception {
    Path stale = dir.resolve("stale.sock");
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(stale));
    }
    try (LocalApiClient other = new LocalApiClient(group, stale)) {
      assertThat(failureOf(other.status()))
          .isInstanceOf(LocalApiException.class)
          .hasMessageStartingWith("cannot connect to tailscaled's LocalAPI socket " + stale)
          .hasMessageContaining("Connection refused")
          .hasMessageEndingWith("is tailscaled running?");
    }
  }

  @Test
  void closingTheClientFailsCallsInFlightAndRefusesNewOnes() throws Exception {
    tailscaled.silent();
    CompletableFuture<TailscaleStatus> pending = client.status();
    await(() -> tailscaled.requests.size() == 1);

    client.close();

    assertThat(failureOf(pending)).hasMessage("LocalAPI client closed");
    assertThat(failureOf(client.status())).hasMessage("LocalAPI client closed");
    assertThat(failureOf(client.watchIpnBus(0, n -> {}).done()))
        .hasMessage("LocalAPI client closed");
    assertThat(tailscaled.openedConnections.get()).as("no connection after close").isEqualTo(1);
  }

  @Test
  void refusesAnEventLoopGroupThatIsNotEpoll() {
    EventLoopGroup nio = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      assertThatThrownBy(() -> new LocalApiClient(nio, socket))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("LocalApiClient needs an epoll event loop group");
    } finally {
      nio.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  // --- watch-ipn-bus ---

  private static List<String> notifyLines() {
    return new String(Fixtures.bytes("/localapi/watch-ipn-bus.jsonl"), UTF_8).lines().toList();
  }

  /** Splits the fixture so that lines straddle chunks and chunks hold several lines. */
  private static List<String> awkwardChunks() {
    List<String> lines = notifyLines();
    String second = lines.get(1) + "\n";
    return List.of(
        lines.get(0) + "\n" + second.substring(0, 10),
        second.substring(10),
        lines.get(2) + "\n" + lines.get(3) + "\n");
  }

  private static List<String> states(List<JsonNode> notes) {
    return notes.stream().map(n -> n.path("State").toString()).toList();
  }

  @Test
  void streamsEachNotifyLineInOrderAcrossChunkBoundaries() throws Exception {
    tailscaled.watch(awkwardChunks(), true);
    List<JsonNode> seen = new CopyOnWriteArrayList<>();

    IpnBusWatch watch = client.watchIpnBus(IpnBusMask.INITIAL_STATE, seen::add);
    watch.done().get(5, TimeUnit.SECONDS);

    assertThat(states(seen)).containsExactly("2", "5", "null", "6");
    assertThat(seen.get(0).path("SessionID").asText()).isEqualTo("5f3b8e21c9a04d7e");
    assertThat(seen.get(2).has("LoginFinished")).isTrue();
    assertThat(watch.isOpen()).isFalse();
  }

  @Test
  void asksForTheMaskWithNoPrivateKeysAndTheLocalApiHost() throws Exception {
    tailscaled.watch(List.of(), true);

    client.watchIpnBus(IpnBusMask.INITIAL_STATE, n -> {}).done().get(5, TimeUnit.SECONDS);

    assertThat(tailscaled.requests)
        .containsExactly(
            new FakeTailscaledLocalApi.Request(
                "GET", "/localapi/v0/watch-ipn-bus?mask=18", "local-tailscaled.sock", null, null));
  }

  @Test
  void closingTheWatchEndsItNormallyAndHangsUp() throws Exception {
    tailscaled.watch(notifyLines().subList(0, 1).stream().map(l -> l + "\n").toList(), false);
    List<JsonNode> seen = new CopyOnWriteArrayList<>();
    IpnBusWatch watch = client.watchIpnBus(0, seen::add);
    await(() -> seen.size() == 1);

    watch.close();

    watch.done().get(5, TimeUnit.SECONDS);
    await(() -> tailscaled.closedConnections.get() == 1);
  }

  @Test
  void daemonDyingMidStreamFailsTheWatch() throws Exception {
    tailscaled.watch(List.of(notifyLines().get(0) + "\n"), false);
    List<JsonNode> seen = new CopyOnWriteArrayList<>();
    IpnBusWatch watch = client.watchIpnBus(0, seen::add);
    await(() -> seen.size() == 1);

    tailscaled.dropConnections();

    assertThat(failureOf(watch.done()))
        .isInstanceOf(LocalApiException.class)
        .hasMessage("tailscaled closed the IPN bus stream (did it exit?)");
  }

  @Test
  void refusedWatchFailsWithStatusCode() throws Exception {
    tailscaled.failWith(403, "watch ipn bus access denied");

    Throwable error = failureOf(client.watchIpnBus(0, n -> {}).done());

    assertThat(error)
        .hasMessage(
            "tailscaled answered GET /localapi/v0/watch-ipn-bus?mask=16 with 403 Forbidden:"
                + " watch ipn bus access denied");
    assertThat(((LocalApiException) error).statusCode()).isEqualTo(403);
  }

  @Test
  void watchWithoutAnswerTimesOut() throws Exception {
    tailscaled.silent();

    assertThat(failureOf(impatientClient().watchIpnBus(0, n -> {}).done()))
        .hasMessageStartingWith(
            "tailscaled did not answer GET /localapi/v0/watch-ipn-bus?mask=16 within 300 ms");
  }

  @Test
  void quietStreamOutlivesTheAnswerTimeout() throws Exception {
    tailscaled.watch(List.of(), false);
    IpnBusWatch watch = impatientClient().watchIpnBus(0, n -> {});

    Thread.sleep(SHORT.toMillis() * 2);

    assertThat(watch.isOpen()).isTrue();
    watch.close();
  }

  @Test
  void lineLongerThanOneMebibyteFailsTheWatch() throws Exception {
    tailscaled.watch(
        List.of("{\"Padding\":\"" + "x".repeat(LocalApiPipelines.MAX_NOTIFY_LINE)), false);

    assertThat(failureOf(client.watchIpnBus(0, n -> {}).done()))
        .hasMessage("tailscaled sent an IPN bus line longer than 1 MiB");
  }

  @Test
  void lineThatIsNotJsonFailsTheWatch() throws Exception {
    tailscaled.watch(List.of("panic: runtime error\n"), false);

    assertThat(failureOf(client.watchIpnBus(0, n -> {}).done()))
        .hasMessage("tailscaled sent an IPN bus line that is not a JSON object");
  }

  @Test
  void consumerThatThrowsFailsTheWatchWithItsException() throws Exception {
    tailscaled.watch(List.of(notifyLines().get(0) + "\n"), false);
    IllegalStateException boom = new IllegalStateException("consumer bug");

    Throwable error =
        failureOf(
            client
                .watchIpnBus(
                    0,
                    n -> {
                      throw boom;
                    })
                .done());

    assertThat(error).isSameAs(boom);
  }

  @Test
  void closingTheClientEndsItsWatches() throws Exception {
    tailscaled.watch(List.of(), false);
    IpnBusWatch watch = client.watchIpnBus(0, n -> {});
    await(() -> tailscaled.requests.size() == 1);

    client.close();

    watch.done().get(5, TimeUnit.SECONDS);
    assertThat(watch.isOpen()).isFalse();
  }
}
