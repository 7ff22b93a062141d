package dev.tailgate.policy;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One parsed rule, {@code HOST[:PORTS]}: its original text, what hosts it matches, which ports.
 *
 * <p>HOST is {@code *}, {@code tailnet}, an exact name, a suffix {@code *.example.ts.net}, an IPv4
 * or IPv6 address (IPv6 in brackets when a port follows, bare otherwise), or a CIDR ({@code
 * 100.64.0.0/10}, {@code fd7a:115c:a1e0::/48}, {@code [fd7a::]/48}), or what a tailnet peer is:
 * {@code tag:NAME} (an ACL tag it carries) or {@code os:NAME} (the OS it runs), decision record
 * 0015. Missing PORTS means any. A trailing {@code via direct} dials the targets from this host
 * instead of through tailscaled ({@code via tailscale}, the default). A trailing {@code from uid
 * 1000[,1001...]}, last, admits only local clients whose socket that uid owns (decision record
 * 0017).
 */
record Rule(String text, HostPattern host, PortSet ports, boolean direct, ClientUids clients) {
  static final int MAX_LENGTH = 1024;
  private static final String TAILNET = "tailnet";
  private static final String TAG = "tag:";
  private static final String OS = "os:";

  /** A tag's or OS's name: what Tailscale allows in a tag (a letter, then letters, digits, '-'). */
  private static final Pattern PEER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,62}");

  /** The way to the target, after the target: {@code via direct} or {@code via tailscale}. */
  private static final Pattern VIA =
      Pattern.compile("\\s+via\\s+(direct|tailscale)$", Pattern.CASE_INSENSITIVE);

  /**
   * Who a rule admits, at its very end: {@code from uid LIST}. Found by the word {@code from},
   * which no host or port holds, so that a malformed list is named as such.
   */
  private static final Pattern FROM =
      Pattern.compile("\\s+from(\\s.*)?$", Pattern.CASE_INSENSITIVE);

  private static final Pattern FROM_UID =
      Pattern.compile("\\s+from\\s+uid\\s+(\\S.*)$", Pattern.CASE_INSENSITIVE);

  /** A rule for any client whose targets are dialled through tailscaled, the default way. */
  Rule(String text, HostPattern host, PortSet ports) {
    this(text, host, ports, false, ClientUids.ANY);
  }

  /**
   * True when this rule matches the target and port for a client of {@code uid} ({@code -1}: not
   * known); see {@link HostPattern#matches}.
   */
  boolean matches(
      NormalizedHost target, int port, String magicDnsSuffix, PeerList.Peer peer, int uid) {
    return ports.contains(port) && clients.admit(uid) && host.matches(target, magicDnsSuffix, peer);
  }

  /**
   * Parses one rule.
   *
   * @throws RuleSyntaxException naming the rule and what is wrong with it
   */
  static Rule parse(String text) throws RuleSyntaxException {
    if (text == null) {
      throw new RuleSyntaxException(null, "rule is missing");
    }
    if (text.length() > MAX_LENGTH) {
      throw new RuleSyntaxException(text, "rule is longer than " + MAX_LENGTH + " characters");
    }
    String rule = text.strip();
    if (rule.isEmpty()) {
      throw new RuleSyntaxException(text, "rule is empty");
    }
    try {
      ClientUids clients = ClientUids.ANY;
      Matcher from = FROM.matcher(rule);
      if (from.find()) {
        clients = clients(rule.substring(from.start()));
        rule = rule.substring(0, from.start());
      }
      Matcher via = VIA.matcher(rule);
      boolean routed = via.find();
      boolean direct = routed && via.group(1).equalsIgnoreCase("direct");
      Rule parsed = parseStripped(text, routed ? rule.substring(0, via.start()) : rule);
      if (direct
          && (parsed.host instanceof HostPattern.OfPeer
              || parsed.host instanceof HostPattern.Tailnet)) {
        throw new IllegalArgumentException(
            "tailnet peers are reached through tailscaled only: drop 'via direct'");
      }
      return new Rule(text, parsed.host, parsed.ports, direct, clients);
    } catch (IllegalArgumentException e) {
      throw new RuleSyntaxException(text, e.getMessage());
    }
  }

  /** {@code from uid LIST}, the rule's last words. */
  private static ClientUids clients(String qualifier) {
    Matcher uid = FROM_UID.matcher(qualifier);
    if (!uid.matches()) {
      throw new IllegalArgumentException(
          "expected 'from uid N[,N...]' at the end of the rule, as in 'tag:prod:22 from uid 1000'");
    }
    if (uid.group(1).toLowerCase(Locale.ROOT).contains("via")) {
      throw new IllegalArgumentException("'from uid' goes last: write 'via WAY' before it");
    }
    return ClientUids.parse(uid.group(1).strip());
  }

  private static Rule parseStripped(String text, String rule) {
    String lower = rule.toLowerCase(Locale.ROOT);
    if (lower.startsWith(TAG) || lower.startsWith(OS)) {
      return peerRule(text, rule, lower.startsWith(TAG));
    }
    int slash = rule.indexOf('/');
    if (slash >= 0) {
      String rest = rule.substring(slash + 1);
      int colon = rest.indexOf(':');
      String prefix = colon < 0 ? rest : rest.substring(0, colon);
      PortSet ports = colon < 0 ? PortSet.ANY : PortSet.parse(rest.substring(colon + 1));
      return new Rule(text, cidr(rule.substring(0, slash), prefix), ports);
    }
    if (rule.startsWith("[")) {
      int close = rule.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("'[' without a closing ']'");
      }
      String after = rule.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":")) {
        throw new IllegalArgumentException("unexpected " + Printable.quote(after) + " after ']'");
      }
      PortSet ports = after.isEmpty() ? PortSet.ANY : PortSet.parse(after.substring(1));
      return new Rule(text, exact(rule.substring(0, close + 1)), ports);
    }
    int colon = rule.indexOf(':');
    if (colon >= 0 && rule.indexOf(':', colon + 1) >= 0) {
      return new Rule(text, exact(rule), PortSet.ANY); // bare IPv6, which cannot take a port
    }
    String host = colon < 0 ? rule : rule.substring(0, colon);
    PortSet ports = colon < 0 ? PortSet.ANY : PortSet.parse(rule.substring(colon + 1));
    return new Rule(text, host(host), ports);
  }

  /** Whether {@code tag} ({@code tag:NAME}) can be written as a {@code tag:} rule. */
  static boolean isTagName(String tag) {
    return tag.startsWith(TAG) && PEER_NAME.matcher(tag.substring(TAG.length())).matches();
  }

  /** {@code tag:NAME[:PORTS]} or {@code os:NAME[:PORTS]}. */
  private static Rule peerRule(String text, String rule, boolean tag) {
    String kind = tag ? TAG : OS;
    String rest = rule.substring(kind.length());
    int colon = rest.indexOf(':');
    String name = colon < 0 ? rest : rest.substring(0, colon);
    if (!PEER_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          (tag ? "tag" : "OS")
              + " name "
              + Printable.quote(name)
              + " must be a letter, then letters, digits or '-' (as in "
              + (tag ? "tag:prod:22" : "os:linux:22")
              + ")");
    }
    PortSet ports = colon < 0 ? PortSet.ANY : PortSet.parse(rest.substring(colon + 1));
    String lowered = name.toLowerCase(Locale.ROOT);
    return new Rule(text, new HostPattern.OfPeer(tag, tag ? TAG + lowered : lowered), ports);
  }

  private static HostPattern host(String host) {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (host.equals("*")) {
      return new HostPattern.Any();
    }
    if (host.equalsIgnoreCase(TAILNET)) {
      return new HostPattern.Tailnet();
    }
    if (host.startsWith("*.")) {
      NormalizedHost suffix = NormalizedHost.of(host.substring(2));
      if (suffix.isAddress()) {
        throw new IllegalArgumentException(
            "wildcard suffix " + Printable.quote(host) + " must end in a name, not an address");
      }
      return new HostPattern.Suffix("." + suffix.name());
    }
    if (host.indexOf('*') >= 0) {
      throw new IllegalArgumentException(
          "'*' must be the whole host or start a suffix, as in *.example.ts.net");
    }
    return exact(host);
  }

  private static HostPattern exact(String host) {
    return new HostPattern.Exact(NormalizedHost.of(host).name());
  }

  private static HostPattern cidr(String base, String prefix) {
    NormalizedHost network = NormalizedHost.of(base);
    if (!network.isAddress()) {
      throw new IllegalArgumentException(
          "CIDR base " + Printable.quote(base) + " is not an IP address");
    }
    int length = prefixLength(prefix);
    boolean writtenAsIpv6 = base.indexOf(':') >= 0;
    if (writtenAsIpv6 && network.bytes().length == 4) {
      // ::ffff:10.0.0.0/104 is 10.0.0.0/8: mapped targets are matched as IPv4.
      if (length < 96) {
        throw new IllegalArgumentException(
            "IPv4-mapped CIDR " + Printable.quote(base + "/" + prefix) + " needs a prefix of 96+");
      }
      length -= 96;
    }
    return new HostPattern.Cidr(AddressRange.of(network.bytes(), length));
  }

  private static int prefixLength(String prefix) {
    if (prefix.isEmpty() || prefix.length() > 3) {
      throw new IllegalArgumentException(
          "prefix length " + Printable.quote(prefix) + " is not a number");
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (prefix.charAt(i) < '0' || prefix.charAt(i) > '9') {
        throw new IllegalArgumentException(
            "prefix length " + Printable.quote(prefix) + " is not a number");
      }
    }
    return Integer.parseInt(prefix);
  }
}
