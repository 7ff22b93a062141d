package dev.tailgate.ansible;

import dev.tailgate.localapi.PeerStatus;
import dev.tailgate.localapi.TailscaleStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tailnet's own record of its peers' SSH host keys as an OpenSSH known_hosts file, so that ssh
 * checks a new node's key against what the tailnet says instead of trusting it on first use, and
 * refuses a node whose key changed.
 *
 * <p>Peers that run Tailscale SSH advertise their keys ({@code sshHostKeys} in the LocalAPI
 * status); one line per key, for the peer's MagicDNS name and its tailnet addresses (ssh looks up
 * the name it was given, which through a ProxyCommand is the name or address typed). Peers that
 * advertise nothing get no line: {@link Checking} says what ssh does with them.
 *
 * <p>A key is written only if it is one word of a key type and one of base64, so that no peer can
 * smuggle a second line or a marker such as {@code @cert-authority} into the file.
 */
public final class KnownHosts {
  public static final String FILE = "known_hosts";

  /**
   * A key type (ssh-ed25519, ecdsa-sha2-nistp256, sk-ssh-ed25519@openssh.com) and its base64, then
   * perhaps a comment, which is dropped.
   */
  private static final Pattern KEY =
      Pattern.compile("([a-z][a-z0-9.@-]{0,63} [A-Za-z0-9+/]+={0,2})(?: [^\\r\\n]*)?");

  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9.-]{0,252})");
  private static final Pattern ADDRESS = Pattern.compile("[0-9a-f.:]{2,45}");
  private static final int MAX_KEY = 16 * 1024;

  private KnownHosts() {}

  /** What ssh does with a tailnet host that has no line in the file. */
  public enum Checking {
    /** Refuse it ({@code StrictHostKeyChecking yes}): add its key by hand, outside the block. */
    STRICT("yes"),
    /** Trust its key on first use and record it ({@code accept-new}); a changed key is refused. */
    ACCEPT_NEW("accept-new");

    private final String ssh;

    Checking(String ssh) {
      this.ssh = ssh;
    }

    /** The value of ssh's {@code StrictHostKeyChecking}. */
    public String ssh() {
      return ssh;
    }

    /** The option's spelling: {@code strict}, {@code accept-new}. */
    public String option() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Checking fromOption(String option) {
      for (Checking c : values()) {
        if (c.option().equals(option)) {
          return c;
        }
      }
      throw new IllegalArgumentException(
          "--host-key-checking: expected strict or accept-new, got '" + option + "'");
    }
  }

  /**
   * Where the file is and what ssh does with hosts it has no line for: the settings that the
   * generated ssh_config and group_vars carry.
   *
   * @param path the known_hosts file as ssh is to open it (absolute, or relative to where ssh runs)
   */
  public record Policy(String path, Checking checking) {
    /** ssh's options, as {@code -o} arguments. */
    List<String> sshOptions() {
      return List.of(
          "-o",
          "UserKnownHostsFile=" + sshValue(path),
          "-o",
          "StrictHostKeyChecking=" + checking.ssh());
    }

    /** A value for ssh's config: UserKnownHostsFile takes several files, so a space is quoted. */
    static String sshValue(String value) {
      return value.matches("[^\\s\"]+") ? value : "\"" + value.replace("\"", "") + "\"";
    }
  }

  /** One line per advertised key, peers in MagicDNS-name order, keys in the peer's order. */
  public static String lines(TailscaleStatus status) {
    List<PeerStatus> peers = new ArrayList<>(status.peers());
    peers.sort((a, b) -> name(a).compareTo(name(b)));
    StringBuilder out = new StringBuilder();
    for (PeerStatus peer : peers) {
      String name = name(peer);
      if (!NAME.matcher(name).matches()) {
        continue;
      }
      List<String> hosts = new ArrayList<>(List.of(name));
      peer.tailscaleIps().stream()
          .map(ip -> ip.toLowerCase(Locale.ROOT))
          .filter(ip -> ADDRESS.matcher(ip).matches())
          .forEach(hosts::add);
      for (String key : peer.sshHostKeys()) {
        Matcher k = KEY.matcher(key.strip());
        if (key.length() <= MAX_KEY && k.matches()) {
          out.append(String.join(",", hosts)).append(' ').append(k.group(1)).append('\n');
        }
      }
    }
    return out.toString();
  }

  private static String name(PeerStatus peer) {
    return peer.dnsNameWithoutDot().toLowerCase(Locale.ROOT);
  }

  /** The file: a header, then the managed block of the tailnet's keys; lines after it are yours. */
  public static ManagedFile file(String lines) {
    return new ManagedFile(
        FILE,
        List.of(
            ManagedFile.Part.plain(
                "# The SSH host keys that the tailnet's peers advertise (Tailscale SSH peers do),\n"
                    + "# from tailscaled's LocalAPI, for their MagicDNS names and tailnet addresses.\n"
                    + "# The generated ssh_config and group_vars make ssh check hosts against this\n"
                    + "# file. If ssh refuses a host whose key changed on purpose, run\n"
                    + "# `tailgate ansible` again: it rewrites the block from the tailnet's record.\n"
                    + Templates.OWNERSHIP
                    + "# Keys of peers that advertise none can go after the block.\n"),
            ManagedFile.Part.block("", lines)));
  }
}
