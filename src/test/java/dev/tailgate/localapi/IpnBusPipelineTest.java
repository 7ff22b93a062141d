package dev.tailgate.localapi;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The watch-ipn-bus handlers on an EmbeddedChannel, fed decoded HTTP objects byte by byte. */
class IpnBusPipelineTest {
  private final List<JsonNode> seen = new ArrayList<>();
  private Consumer<JsonNode> onNotify = seen::add;
  private IpnBusWatch watch;
  private EmbeddedChannel channel;

  @BeforeEach
  void pipeline() {
    watch = new IpnBusWatch("GET /localapi/v0/watch-ipn-bus?mask=18");
    channel =
        new EmbeddedChannel(
            new IpnBusStreamHandler(watch),
            new LineBasedFrameDecoder(LocalApiPipelines.MAX_NOTIFY_LINE, true, true),
            new IpnNotifyHandler(watch, n -> onNotify.accept(n)));
    watch.attach(channel);
  }

  private void respond(HttpResponseStatus status) {
    channel.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status));
  }

  private void chunk(String text) {
    channel.writeInbound(new DefaultHttpContent(Unpooled.copiedBuffer(text, UTF_8)));
  }

  private Throwable failure() {
    assertThat(watch.done()).isCompletedExceptionally();
    try {
      watch.done().join();
      throw new AssertionError("unreachable");
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  @Test
  void reassemblesLinesSplitAnywhereAndSkipsBlankOnes() {
    respond(HttpResponseStatus.OK);
    chunk("{\"Sta");
    chunk("te\":5}\n\n{\"State\":6}\r\n{\"Login");
    chunk("Finished\":{}}\n");

    assertThat(seen).extracting(n -> n.path("State").asInt(-1)).containsExactly(5, 6, -1);
    assertThat(watch.isOpen()).isTrue();
  }

  @Test
  void lastContentEndsTheWatchNormally() {
    respond(HttpResponseStatus.OK);
    chunk("{\"State\":6}\n");
    channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);

    assertThat(watch.done()).isCompleted();
    assertThat(watch.done()).isNotCompletedExceptionally();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void errorStatusFailsWithCodeAndFirstLineOfBody() {
    respond(HttpResponseStatus.FORBIDDEN);
    channel.writeInbound(
        new DefaultLastHttpContent(
            Unpooled.copiedBuffer("watch ipn bus access denied\nmore\n", UTF_8)));

    Throwable error = failure();
    assertThat(error)
        .hasMessage(
            "tailscaled answered GET /localapi/v0/watch-ipn-bus?mask=18 with 403 Forbidden:"
                + " watch ipn bus access denied");
    assertThat(((LocalApiException) error).statusCode()).isEqualTo(403);
    assertThat(seen).isEmpty();
  }

  @Test
  void connectionLostMidStreamFailsTheWatch() {
    respond(HttpResponseStatus.OK);
    chunk("{\"State\":6}\n");
    channel.close();

    assertThat(failure()).hasMessage("tailscaled closed the IPN bus stream (did it exit?)");
  }

  @Test
  void connectionLostBeforeAnswerSaysSo() {
    channel.close();

    assertThat(failure())
        .hasMessage(
            "tailscaled closed the connection before answering"
                + " GET /localapi/v0/watch-ipn-bus?mask=18");
  }

  @Test
  void linesStillBufferedAreNotDeliveredOnceTheWatchIsClosed() {
    onNotify =
        n -> {
          seen.add(n);
          watch.close();
        };
    respond(HttpResponseStatus.OK);
    chunk("{\"State\":5}\n{\"State\":6}\n");

    assertThat(seen).extracting(n -> n.path("State").asInt()).containsExactly(5);
    assertThat(watch.done()).isNotCompletedExceptionally();
  }
}
