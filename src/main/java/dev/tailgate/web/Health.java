package dev.tailgate.web;

/**
 * Whether tailgate can serve: the relay listens, and tailscaled is Running (or not managed).
 *
 * @param reason what is wrong, or "ok"
 */
public record Health(boolean ok, String reason) {

  public static Health of(Status s) {
    if (s.relay() == null || !s.relay().listening()) {
      return new Health(false, "the relay is not listening");
    }
    Status.Daemon d = s.daemon();
    if (d != null && d.managed() && !"running".equals(d.phase())) {
      String why = d.lastFailure() == null ? "" : ": " + d.lastFailure();
      return new Health(false, "tailscaled is " + d.phase() + why);
    }
    return new Health(true, "ok");
  }
}
