package dev.tailgate.web;

import java.util.Locale;

/**
 * The proxy auto-config file: tailnet names (under the MagicDNS suffix) and tailnet address
 * literals (100.64.0.0/10, fd7a:115c:a1e0::/48) go to the relay as SOCKS5, everything else DIRECT.
 * It never makes the browser look a name up: {@code isInNet} only runs on literals.
 */
public final class Pac {
  private Pac() {}

  /**
   * @param relay the relay's {@code host:port} as clients reach it
   * @param magicDnsSuffix e.g. {@code tail1234.ts.net}, or {@code null} when not known yet
   */
  public static String of(String relay, String magicDnsSuffix) {
    String proxy = "SOCKS5 " + relay + "; SOCKS " + relay;
    StringBuilder js = new StringBuilder();
    js.append("// tailgate: tailnet names and addresses through the relay, the rest direct.\n");
    js.append("function FindProxyForURL(url, host) {\n");
    js.append("  var h = host.toLowerCase();\n");
    js.append("  if (h.charAt(h.length - 1) == \".\") { h = h.substring(0, h.length - 1); }\n");
    if (magicDnsSuffix != null && isDomain(magicDnsSuffix)) {
      String suffix = magicDnsSuffix.toLowerCase(Locale.ROOT).replaceAll("^\\.|\\.$", "");
      js.append("  if (dnsDomainIs(h, \".")
          .append(suffix)
          .append("\")) { return \"")
          .append(proxy)
          .append("\"; }\n");
    }
    js.append(
        "  if (/^\\d+\\.\\d+\\.\\d+\\.\\d+$/.test(h) && isInNet(h, \"100.64.0.0\", \"255.192.0.0\")) {\n");
    js.append("    return \"").append(proxy).append("\";\n  }\n");
    js.append("  if (h.replace(/^\\[|\\]$/g, \"\").indexOf(\"fd7a:115c:a1e0:\") == 0) { return \"")
        .append(proxy)
        .append("\"; }\n");
    js.append("  return \"DIRECT\";\n}\n");
    return js.toString();
  }

  /** Only letters, digits, dots and hyphens reach the script: a suffix cannot inject code. */
  static boolean isDomain(String s) {
    return s.matches("\\.?[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.?") && s.length() <= 253;
  }
}
