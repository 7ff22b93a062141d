package dev.tailgate.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.socksx.v4.Socks4ServerDecoder;
import io.netty.handler.codec.socksx.v4.Socks4ServerEncoder;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import java.util.List;

/**
 * Reads the first byte and puts the matching handshake in its own place: 0x05 is SOCKS5, 0x04 is
 * SOCKS4/4a, an upper-case letter starts an HTTP request line. Anything else is closed at once.
 */
final class ProtocolDetector extends ByteToMessageDecoder {
  /** Bounds on an HTTP CONNECT request: line and headers. */
  static final int MAX_HTTP_LINE = 4096;

  static final int MAX_HTTP_HEADERS = 8192;

  private final Tunneler tunneler;
  private final Credentials credentials;

  ProtocolDetector(Tunneler tunneler, Credentials credentials) {
    this.tunneler = tunneler;
    this.credentials = credentials;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    ctx.read();
    super.channelActive(ctx);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    byte first = in.getByte(in.readerIndex());
    ConnectionState state = ConnectionState.of(ctx.channel());
    ChannelPipeline p = ctx.pipeline();
    String self = ctx.name();
    if (first == 0x05) {
      state.proto = "socks5";
      p.addAfter(self, PipelineNames.SOCKS5_ENCODER, Socks5ServerEncoder.DEFAULT);
      p.addAfter(
          PipelineNames.SOCKS5_ENCODER,
          PipelineNames.SOCKS5_DECODER,
          new Socks5InitialRequestDecoder());
      p.addAfter(
          PipelineNames.SOCKS5_DECODER,
          PipelineNames.SOCKS5_HANDSHAKE,
          new Socks5Handshake(tunneler, credentials));
    } else if (first == 0x04) {
      state.proto = "socks4";
      p.addAfter(self, PipelineNames.SOCKS4_ENCODER, Socks4ServerEncoder.INSTANCE);
      p.addAfter(
          PipelineNames.SOCKS4_ENCODER, PipelineNames.SOCKS4_DECODER, new Socks4ServerDecoder());
      p.addAfter(
          PipelineNames.SOCKS4_DECODER,
          PipelineNames.SOCKS4_HANDSHAKE,
          new Socks4Handshake(tunneler, credentials));
    } else if (first >= 'A' && first <= 'Z') {
      state.proto = "http";
      HttpDecoderConfig config =
          new HttpDecoderConfig()
              .setMaxInitialLineLength(MAX_HTTP_LINE)
              .setMaxHeaderSize(MAX_HTTP_HEADERS)
              .setMaxChunkSize(MAX_HTTP_HEADERS)
              // Request smuggling: a bare LF, or Content-Length beside Transfer-Encoding, is 400.
              .setStrictLineParsing(true)
              .setUseRfc9112TransferEncoding(true);
      p.addAfter(self, PipelineNames.HTTP_DECODER, new HttpRequestDecoder(config));
      p.addAfter(PipelineNames.HTTP_DECODER, PipelineNames.HTTP_ENCODER, new HttpResponseEncoder());
      p.addAfter(
          PipelineNames.HTTP_ENCODER,
          PipelineNames.HTTP_HANDSHAKE,
          new HttpConnectHandshake(tunneler, credentials));
    } else {
      state.fail("protocol_error", String.format("unknown protocol (first byte 0x%02x)", first));
      state.closedBy("relay");
      in.skipBytes(in.readableBytes());
      ctx.close();
      return;
    }
    // Removing this decoder hands the bytes it holds to the handshake just added.
    p.remove(this);
  }
}
