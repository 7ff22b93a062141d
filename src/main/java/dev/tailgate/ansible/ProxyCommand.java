package dev.tailgate.ansible;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The ssh ProxyCommand that generated files carry, as one line for {@code sh -c} with ssh's {@code
 * %h %p} at the end.
 *
 * @param line e.g. {@code tailgate connect --proxy 127.0.0.1:1080 %h %p}
 * @param ansibleLine the same for Ansible's {@code ansible_ssh_common_args}, which Ansible
 *     templates per host: for {@code tailgate connect} with {@code --tag} {@link #ANSIBLE_TAG}, so
 *     that the relay's log names the inventory host and the play of each connection
 */
public record ProxyCommand(String line, String ansibleLine) {

  /**
   * The group var that holds the tag, so that a user may set it otherwise, per host or group: its
   * value is {@link #TAG_VALUE}.
   */
  public static final String TAG_VAR = "tailgate_client_tag";

  /** The tag's place in the ProxyCommand: a Jinja name, with nothing to quote inside. */
  public static final String ANSIBLE_TAG = "{{ " + TAG_VAR + " }}";

  /**
   * The inventory hostname and the play, {@code HOST@PLAY}, as Jinja. {@code urlencode} leaves only
   * characters that need no quoting in sh or shlex (and no {@code @}), so nothing a host or play is
   * called can break out of the ProxyCommand; its {@code %} is doubled because ssh expands {@code
   * %} tokens in a ProxyCommand. Ad-hoc commands' play is "Ansible Ad-Hoc".
   */
  public static final String TAG_VALUE =
      "{{ inventory_hostname | urlencode | replace('%', '%%') }}"
          + "@{{ ansible_play_name | default | urlencode | replace('%', '%%') }}";

  /** A ProxyCommand that is the same for ssh and for Ansible. */
  public ProxyCommand(String line) {
    this(line, line);
  }

  /** The helpers {@code --proxy-command} picks from. */
  public enum Kind {
    /** {@code tailgate connect}: through the relay, logged and allowlisted. */
    CONNECT,
    /** OpenBSD netcat: {@code nc -X 5 -x RELAY}, through the relay, no JVM. */
    NC,
    /** {@code tailscale nc}: straight to tailscaled, bypassing the relay's allowlist and log. */
    TAILSCALE_NC;

    /** The option's spelling: {@code connect}, {@code nc}, {@code tailscale-nc}. */
    public String option() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Kind fromOption(String option) {
      for (Kind k : values()) {
        if (k.option().equals(option)) {
          return k;
        }
      }
      throw new IllegalArgumentException(
          "--proxy-command: expected connect, nc or tailscale-nc, got '" + option + "'");
    }
  }

  /**
   * {@code TAILGATE connect --proxy RELAY [--start --config CONFIG] %h %p}.
   *
   * @param tailgate how to run tailgate: a path or a name on PATH
   * @param config the settings file: when given, connect may start the relay from it
   */
  public static ProxyCommand connect(String tailgate, String relay, String config) {
    return connect(tailgate, relay, config, null);
  }

  /**
   * {@code TAILGATE connect --proxy RELAY [--start --config CONFIG] [--credentials FILE] %h %p}.
   *
   * @param credentials the file of one user:password line for a relay with an auth-file, or null
   */
  public static ProxyCommand connect(
      String tailgate, String relay, String config, String credentials) {
    List<String> words = new ArrayList<>(List.of(tailgate, "connect", "--proxy", relay));
    if (config != null) {
      words.addAll(List.of("--start", "--config", config));
    }
    if (credentials != null) {
      words.addAll(List.of("--credentials", credentials));
    }
    List<String> tagged = new ArrayList<>(words);
    tagged.addAll(List.of("--tag", ANSIBLE_TAG));
    return new ProxyCommand(of(words).line(), of(tagged).line());
  }

  /** {@code nc -X 5 -x RELAY %h %p}: OpenBSD netcat's SOCKS5 client. */
  public static ProxyCommand nc(String relay) {
    return of(List.of("nc", "-X", "5", "-x", relay));
  }

  /** {@code TAILSCALE --socket=SOCKET nc %h %p}: the CLI ignores TS_SOCKET, so the flag is set. */
  public static ProxyCommand tailscaleNc(String tailscale, String socket) {
    return of(List.of(tailscale, "--socket=" + socket, "nc"));
  }

  private static ProxyCommand of(List<String> words) {
    StringBuilder line = new StringBuilder();
    for (String w : words) {
      line.append(Quoting.shellWord(w)).append(' ');
    }
    return new ProxyCommand(line.append("%h %p").toString());
  }

  /** Whether Ansible's line passes {@link #ANSIBLE_TAG}, which then must be defined. */
  public boolean tagged() {
    return !ansibleLine.equals(line);
  }

  /** The value of {@code ansible_ssh_common_args}: {@code -o ProxyCommand="..."}. */
  public String asSshArguments() {
    return "-o ProxyCommand=" + Quoting.shlexArgument(ansibleLine);
  }
}
