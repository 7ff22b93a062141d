package dev.tailgate.ansible;

/** The inputs the generator tests share, besides the ProxyCommand. */
final class Fixtures {
  static final KnownHosts.Policy STRICT =
      new KnownHosts.Policy("/home/me/ansible/known_hosts", KnownHosts.Checking.STRICT);

  private Fixtures() {}

  /** A tailnet whose peers advertise no key, with the default socket. */
  static Templates.Tailnet tailnet() {
    return new Templates.Tailnet(
        "tail1234.ts.net", "../inventory/", STRICT, "", "/var/run/tailscale/tailscaled.sock");
  }
}
