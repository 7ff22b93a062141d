package dev.tailgate.keys;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code bw:ITEM} and {@code bw:ITEM#FIELD}: the key is an item's password ({@code bw get password
 * ITEM --nointeraction}) or one of its custom fields ({@code bw get item ITEM --nointeraction},
 * then {@code .fields[]}). The session comes from BW_SESSION in the inherited environment.
 */
final class BitwardenKeySource implements AuthKeySource {
  static final String WHAT = "Bitwarden CLI";

  private final String item;
  private final String field;
  private final Path bw;
  private final VaultCli runner;

  /**
   * @param field the custom field's name, or null for the item's password
   */
  BitwardenKeySource(String item, String field, Path bw) {
    this(item, field, bw, VaultCli.standard());
  }

  BitwardenKeySource(String item, String field, Path bw, VaultCli runner) {
    this.item = item;
    this.field = field;
    this.bw = bw;
    this.runner = runner;
  }

  @Override
  public String describe() {
    return field == null
        ? "bw item '" + item + "'"
        : "bw item '" + item + "' field '" + field + "'";
  }

  /** {@code bw status}: the CLI is there and the vault is unlocked; no item is read. */
  @Override
  public void check() throws AuthKeyException {
    Path executable =
        VaultCli.locateOrExplain(WHAT, bw, "install @bitwarden/cli (npm i -g @bitwarden/cli)");
    try (VaultCli.Result result =
        runner.run(WHAT, executable, List.of("status", "--nointeraction"))) {
      String out = new String(result.stdout(), java.nio.charset.StandardCharsets.UTF_8);
      if (result.exitCode() != 0 || out.contains("\"unauthenticated\"")) {
        throw new AuthKeyException(
            "Bitwarden CLI is not logged in: run `bw login` (or set BW_SESSION) and retry");
      }
      if (out.contains("\"locked\"")) {
        throw new AuthKeyException(
            "Bitwarden vault is locked: run `bw unlock` and export BW_SESSION");
      }
    }
  }

  @Override
  public Secret fetch() throws AuthKeyException {
    Path executable =
        VaultCli.locateOrExplain(WHAT, bw, "install @bitwarden/cli (npm i -g @bitwarden/cli)");
    List<String> args =
        field == null
            ? List.of("get", "password", item, "--nointeraction")
            : List.of("get", "item", item, "--nointeraction");
    try (VaultCli.Result result = runner.run(WHAT, executable, args)) {
      if (result.exitCode() != 0) {
        throw failure(result);
      }
      byte[] out = result.stdout();
      Secret secret = field == null ? Secret.trimmedCopyOf(out, 0, out.length) : customField(out);
      if (secret.isEmpty()) {
        throw new AuthKeyException(
            field == null
                ? "Bitwarden item '" + item + "' has an empty password"
                : "custom field '" + field + "' of Bitwarden item '" + item + "' is empty");
      }
      return secret;
    }
  }

  private Secret customField(byte[] itemJson) throws AuthKeyException {
    Optional<Secret> value;
    try {
      value = SecretJson.customField(itemJson, field);
    } catch (SecretJson.Malformed e) {
      throw new AuthKeyException(
          "`bw get item` did not print an item's JSON for '"
              + item
              + "': check that `bw` is the Bitwarden CLI");
    }
    return value.orElseThrow(
        () ->
            new AuthKeyException(
                "Bitwarden item '" + item + "' has no custom field '" + field + "'"));
  }

  /** Maps bw's documented stderr messages (exit code 1) to what the user should do. */
  private AuthKeyException failure(VaultCli.Result result) {
    String stderr = result.stderr();
    if (stderr.contains("You are not logged in.")) {
      return new AuthKeyException(
          "Bitwarden CLI is not logged in: run `bw login` (or set BW_SESSION) and retry");
    }
    if (stderr.contains("Vault is locked.") || stderr.contains("Your vault is locked.")) {
      return new AuthKeyException(
          "Bitwarden vault is locked: run `bw unlock` and export BW_SESSION");
    }
    if (stderr.contains("More than one result was found")) {
      return new AuthKeyException(
          "Bitwarden item name '" + item + "' matches several items: use the item id");
    }
    if (stderr.contains("Not found.")) {
      return new AuthKeyException("Bitwarden item '" + item + "' not found");
    }
    return VaultCli.unexpectedFailure(WHAT, "item '" + item + "'", result);
  }
}
