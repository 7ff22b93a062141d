package dev.tailgate.keys;

import java.nio.file.Path;

/**
 * Where the tailscale auth key comes from, as given to {@code --auth-key}:
 *
 * <ul>
 *   <li>{@code env:VAR}: an environment variable;
 *   <li>{@code file:PATH}: a file only its owner may read;
 *   <li>{@code bw:ITEM}: the password of a Bitwarden item (name or id), via the {@code bw} CLI;
 *   <li>{@code bw:ITEM#FIELD}: a custom field of that item (the item ends at the first {@code #});
 *   <li>{@code bws:SECRET_ID}: a Bitwarden Secrets Manager secret, via the {@code bws} CLI.
 * </ul>
 */
public sealed interface AuthKeySource
    permits EnvKeySource, FileKeySource, BitwardenKeySource, SecretsManagerKeySource {

  /** Accepted forms, for error and help texts. */
  String FORMS = "env:VAR, file:PATH, bw:ITEM, bw:ITEM#FIELD or bws:SECRET_ID";

  /** Parses a spec, using {@code bw} and {@code bws} from PATH. */
  static AuthKeySource parse(String spec) {
    return parse(spec, Path.of("bw"), Path.of("bws"));
  }

  /**
   * Parses a spec, with the CLIs at the given paths (a bare name is looked up in PATH).
   *
   * @throws IllegalArgumentException with a one-line message listing {@link #FORMS}. It never
   *     repeats the spec: a user who pastes the key itself where the spec goes must not see it
   *     echoed into a log.
   */
  static AuthKeySource parse(String spec, Path bwBinary, Path bwsBinary) {
    return AuthKeySpecParser.parse(spec, bwBinary, bwsBinary);
  }

  /** A description safe to log, e.g. "bw item 'tailscale-key'"; never the key. */
  String describe();

  /**
   * Fetches the key now. Blocks (up to 30 s for the CLIs); call it off any event loop.
   *
   * @throws AuthKeyException with a one-line message that says what to do
   */
  Secret fetch() throws AuthKeyException;

  /**
   * Whether a key could be fetched now, for {@code tailgate doctor}, without showing it. Local
   * sources read it and forget it at once; the Bitwarden CLIs are asked about their state instead,
   * so no vault secret is touched.
   *
   * @throws AuthKeyException with the same one-line messages as {@link #fetch()}
   */
  default void check() throws AuthKeyException {
    fetch().close(); // readable: that is all a check needs to know; the copy is zeroed
  }
}
