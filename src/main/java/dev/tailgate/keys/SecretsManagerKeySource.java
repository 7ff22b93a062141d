package dev.tailgate.keys;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code bws:SECRET_ID}: the key is the {@code value} of a Bitwarden Secrets Manager secret, from
 * {@code bws secret get SECRET_ID --output json}. The machine account's token comes from
 * BWS_ACCESS_TOKEN in the inherited environment; it never goes into argv.
 */
final class SecretsManagerKeySource implements AuthKeySource {
  static final String WHAT = "Bitwarden Secrets Manager CLI";

  private final String secretId;
  private final Path bws;
  private final VaultCli runner;

  SecretsManagerKeySource(String secretId, Path bws) {
    this(secretId, bws, VaultCli.standard());
  }

  SecretsManagerKeySource(String secretId, Path bws, VaultCli runner) {
    this.secretId = secretId;
    this.bws = bws;
    this.runner = runner;
  }

  @Override
  public String describe() {
    return "bws secret " + secretId;
  }

  /** The CLI is there and BWS_ACCESS_TOKEN is set; no secret is read. */
  @Override
  public void check() throws AuthKeyException {
    VaultCli.locateOrExplain(
        WHAT, bws, "install bws (cargo install bws, or a release of github.com/bitwarden/sdk-sm)");
    String token = System.getenv("BWS_ACCESS_TOKEN");
    if (token == null || token.isBlank()) {
      throw new AuthKeyException(
          "BWS_ACCESS_TOKEN is not set: export a Secrets Manager access token for bws");
    }
  }

  @Override
  public Secret fetch() throws AuthKeyException {
    Path executable =
        VaultCli.locateOrExplain(
            WHAT,
            bws,
            "install bws (cargo install bws, or a release of github.com/bitwarden/sdk-sm)");
    List<String> args = List.of("secret", "get", secretId, "--output", "json");
    try (VaultCli.Result result = runner.run(WHAT, executable, args)) {
      if (result.exitCode() != 0) {
        throw failure(result);
      }
      Optional<Secret> value;
      try {
        value = SecretJson.topLevelString(result.stdout(), "value");
      } catch (SecretJson.Malformed e) {
        throw new AuthKeyException(
            "`bws secret get` did not print a secret's JSON for "
                + secretId
                + ": check that `bws` is the Bitwarden Secrets Manager CLI");
      }
      Secret secret =
          value.orElseThrow(
              () -> new AuthKeyException("Bitwarden secret " + secretId + " has no value"));
      if (secret.isEmpty()) {
        throw new AuthKeyException("Bitwarden secret " + secretId + " is empty");
      }
      return secret;
    }
  }

  /**
   * Maps bws's errors. Their wording changed between releases ("Error: \n 0: Missing access token"
   * with a backtrace, later "Error: Missing access token."), so match on the stable words.
   */
  private AuthKeyException failure(VaultCli.Result result) {
    String stderr = result.stderr();
    String lower = stderr.toLowerCase(Locale.ROOT);
    if (lower.contains("missing access token")) {
      return new AuthKeyException(
          WHAT
              + " has no access token: export BWS_ACCESS_TOKEN (a machine account's access token)");
    }
    if (lower.contains("access token") || stderr.contains("401")) {
      return new AuthKeyException(
          "Bitwarden Secrets Manager rejected BWS_ACCESS_TOKEN: create a new access token for the"
              + " machine account and export it");
    }
    if (lower.contains("not found") || stderr.contains("404")) {
      return new AuthKeyException(
          "Bitwarden secret " + secretId + " not found, or the machine account may not read it");
    }
    return VaultCli.unexpectedFailure(WHAT, "secret " + secretId, result);
  }
}
