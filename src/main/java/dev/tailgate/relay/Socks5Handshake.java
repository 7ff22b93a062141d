package dev.tailgate.relay;

import dev.tailgate.base.ClientTag;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.socksx.SocksVersion;
import io.netty.handler.codec.socksx.v5.DefaultSocks5CommandResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5InitialResponse;
import io.netty.handler.codec.socksx.v5.DefaultSocks5PasswordAuthResponse;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;
import io.netty.handler.codec.socksx.v5.Socks5AuthMethod;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequest;
import io.netty.handler.codec.socksx.v5.Socks5CommandRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5CommandResponse;
import io.netty.handler.codec.socksx.v5.Socks5CommandStatus;
import io.netty.handler.codec.socksx.v5.Socks5CommandType;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequest;
import io.netty.handler.codec.socksx.v5.Socks5Message;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequest;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5PasswordAuthStatus;

/**
 * RFC 1928 (CONNECT only) with RFC 1929 username/password when credentials are configured. Each
 * step swaps the decoder for the next message's; the command ends in {@link Tunneler#open}.
 *
 * <p>Without credentials, username/password is still picked when the client offers it beside no
 * authentication (as {@code tailgate connect --tag} does), only to read a {@link ClientTag} from
 * the username: the rest of the field and the password are neither checked nor kept. With
 * credentials, the user before the tag is checked. The tag goes to the log and the status page,
 * never into admission.
 */
final class Socks5Handshake extends SimpleChannelInboundHandler<Socks5Message> implements Replies {
  private final Tunneler tunneler;
  private final Credentials credentials;

  /** Set once a step refused the client: whatever it sent behind that step is dropped. */
  private boolean refused;

  Socks5Handshake(Tunneler tunneler, Credentials credentials) {
    this.tunneler = tunneler;
    this.credentials = credentials;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof ByteBuf buf) {
      ConnectionState state = ConnectionState.of(ctx.channel());
      if (refused) {
        // The decoder that passed these bytes on is done and stays in place: feeding them back to
        // it would hand them here again, without end.
        buf.release();
      } else if (state.targetHost == null) {
        // The client sent its next message before our reply: feed it to the decoder now in place.
        ctx.pipeline().context(PipelineNames.SOCKS5_ENCODER).fireChannelRead(buf);
      } else {
        state.holdEarlyData(buf);
      }
      return;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Socks5Message msg) {
    ConnectionState state = ConnectionState.of(ctx.channel());
    DecoderResult result = msg.decoderResult();
    if (result.isFailure()) {
      malformed(ctx, msg, state, result.cause());
    } else if (msg instanceof Socks5InitialRequest initial) {
      negotiate(ctx, initial, state);
    } else if (msg instanceof Socks5PasswordAuthRequest auth) {
      authenticate(ctx, auth, state);
    } else if (msg instanceof Socks5CommandRequest command) {
      command(ctx, command, state);
    }
  }

  private void negotiate(
      ChannelHandlerContext ctx, Socks5InitialRequest initial, ConnectionState state) {
    // Without credentials, a client that offers both may send a tag in the username.
    boolean tagOffered =
        initial.authMethods().contains(Socks5AuthMethod.NO_AUTH)
            && initial.authMethods().contains(Socks5AuthMethod.PASSWORD);
    Socks5AuthMethod wanted =
        credentials == null && !tagOffered ? Socks5AuthMethod.NO_AUTH : Socks5AuthMethod.PASSWORD;
    if (!initial.authMethods().contains(wanted)) {
      refuse(
          ctx,
          state,
          credentials == null
              ? "client offered no method tailgate accepts (no-auth)"
              : "client did not offer username/password authentication, which is required",
          new DefaultSocks5InitialResponse(Socks5AuthMethod.UNACCEPTED));
      return;
    }
    advance(
        ctx,
        wanted == Socks5AuthMethod.NO_AUTH
            ? new Socks5CommandRequestDecoder()
            : new Socks5PasswordAuthRequestDecoder(),
        new DefaultSocks5InitialResponse(wanted));
  }

  private void authenticate(
      ChannelHandlerContext ctx, Socks5PasswordAuthRequest auth, ConnectionState state) {
    ClientTag.Parsed field = ClientTag.parse(auth.username());
    state.clientTag = field.tag();
    if (credentials != null && !credentials.check(field.user(), auth.password())) {
      refuse(
          ctx,
          state,
          "bad username or password",
          new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.FAILURE));
      return;
    }
    advance(
        ctx,
        new Socks5CommandRequestDecoder(),
        new DefaultSocks5PasswordAuthResponse(Socks5PasswordAuthStatus.SUCCESS));
  }

  /** Refuses the client at a step before its request: answer, log as denied, close. */
  private void refuse(
      ChannelHandlerContext ctx, ConnectionState state, String reason, Socks5Message reply) {
    refused = true;
    state.fail("denied", reason);
    state.closedBy("relay");
    ctx.writeAndFlush(reply).addListener(ChannelFutureListener.CLOSE);
  }

  /** Moves to the next step: its decoder in place of this one's, then the answer, then a read. */
  private static void advance(
      ChannelHandlerContext ctx, ChannelHandler decoder, Socks5Message reply) {
    ctx.pipeline().replace(PipelineNames.SOCKS5_DECODER, PipelineNames.SOCKS5_DECODER, decoder);
    ctx.writeAndFlush(reply).addListener(readNext(ctx));
  }

  private void command(
      ChannelHandlerContext ctx, Socks5CommandRequest command, ConnectionState state) {
    state.cancelHandshakeDeadline();
    state.targetHost = command.dstAddr();
    state.targetPort = command.dstPort();
    if (command.type() != Socks5CommandType.CONNECT) {
      state.fail("protocol_error", "SOCKS5 command " + command.type() + " is not supported");
      reject(ctx, Socks5CommandStatus.COMMAND_UNSUPPORTED, state);
      return;
    }
    tunneler.open(ctx, new TunnelRequest(command.dstAddr(), command.dstPort()), this);
  }

  private void malformed(
      ChannelHandlerContext ctx, Socks5Message msg, ConnectionState state, Throwable cause) {
    String why = DialErrors.oneLine(cause);
    state.fail("protocol_error", "malformed SOCKS5 message: " + why);
    if (msg instanceof Socks5CommandRequest) {
      // Netty reports an unknown ATYP as "unsupported address type: N".
      reject(
          ctx,
          why.contains("address type")
              ? Socks5CommandStatus.ADDRESS_UNSUPPORTED
              : Socks5CommandStatus.FAILURE,
          state);
    } else {
      state.closedBy("relay");
      ctx.close();
    }
  }

  private static void reject(
      ChannelHandlerContext ctx, Socks5CommandStatus status, ConnectionState state) {
    state.closedBy("relay");
    ctx.writeAndFlush(reply(status)).addListener(ChannelFutureListener.CLOSE);
  }

  private static ChannelFutureListener readNext(ChannelHandlerContext ctx) {
    return f -> {
      if (f.isSuccess()) {
        ctx.read();
      } else {
        ctx.close();
      }
    };
  }

  private static DefaultSocks5CommandResponse reply(Socks5CommandStatus status) {
    return new DefaultSocks5CommandResponse(status, Socks5AddressType.IPv4, "0.0.0.0", 0);
  }

  @Override
  public ChannelFuture success(ChannelHandlerContext ctx) {
    return ctx.writeAndFlush(reply(Socks5CommandStatus.SUCCESS));
  }

  @Override
  public ChannelFuture denied(ChannelHandlerContext ctx, String reason) {
    return ctx.writeAndFlush(reply(Socks5CommandStatus.FORBIDDEN));
  }

  @Override
  public ChannelFuture failed(ChannelHandlerContext ctx, DialFailure failure) {
    return ctx.writeAndFlush(reply(Socks5CommandStatus.valueOf(failure.socks5Reply())));
  }

  /**
   * The failure with its reason as the bound address, a domain name: what tailgate connect shows.
   */
  @Override
  public ChannelFuture knownUnreachable(ChannelHandlerContext ctx, DialFailure failure) {
    return ctx.writeAndFlush(
        new ReasonReply(Socks5CommandStatus.valueOf(failure.socks5Reply()), failure.reason()));
  }

  /**
   * A failure reply whose BND.ADDR (ATYP 3, a domain name) carries a reason, printable ASCII, at
   * most 255 bytes. RFC 1928 gives BND.ADDR no meaning in a failure and clients skip it; netty's
   * default response would put a sentence through IDN, which refuses it, hence this small message
   * for netty's own encoder.
   */
  private static final class ReasonReply implements Socks5CommandResponse {
    static final int MAX = 255;
    private final Socks5CommandStatus status;
    private final String reason;
    private DecoderResult result = DecoderResult.SUCCESS;

    ReasonReply(Socks5CommandStatus status, String reason) {
      String ascii = reason.replaceAll("[^\\x20-\\x7e]", "?");
      this.status = status;
      this.reason = ascii.length() > MAX ? ascii.substring(0, MAX) : ascii;
    }

    @Override
    public Socks5CommandStatus status() {
      return status;
    }

    @Override
    public String bndAddr() {
      return reason;
    }

    @Override
    public Socks5AddressType bndAddrType() {
      return Socks5AddressType.DOMAIN;
    }

    @Override
    public int bndPort() {
      return 0;
    }

    @Override
    public SocksVersion version() {
      return SocksVersion.SOCKS5;
    }

    @Override
    public DecoderResult decoderResult() {
      return result;
    }

    @Override
    public void setDecoderResult(DecoderResult decoderResult) {
      result = decoderResult;
    }
  }
}
