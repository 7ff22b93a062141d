package dev.tailgate.keys;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Turns an {@code --auth-key} spec into an {@link AuthKeySource}; see there for the forms. */
final class AuthKeySpecParser {
  private static final Pattern ENV_VAR = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern UUID =
      Pattern.compile(
          "\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");

  private AuthKeySpecParser() {}

  static AuthKeySource parse(String spec, Path bwBinary, Path bwsBinary) {
    int colon = spec.indexOf(':');
    String kind = colon < 0 ? "" : spec.substring(0, colon);
    String rest = colon < 0 ? "" : spec.substring(colon + 1);
    switch (kind) {
      case "env":
        require(ENV_VAR.matcher(rest).matches(), "env:VAR needs a variable name");
        return new EnvKeySource(rest);
      case "file":
        require(!rest.isBlank(), "file:PATH needs a path");
        try {
          return new FileKeySource(Path.of(rest));
        } catch (InvalidPathException e) {
          throw invalid("file:PATH is not a valid path");
        }
      case "bw":
        return bitwarden(rest, bwBinary);
      case "bws":
        require(UUID.matcher(rest).matches(), "bws:SECRET_ID needs the secret's UUID");
        return new SecretsManagerKeySource(rest, bwsBinary);
      default:
        throw invalid("it does not start with env:, file:, bw: or bws:");
    }
  }

  private static AuthKeySource bitwarden(String rest, Path bwBinary) {
    int hash = rest.indexOf('#');
    String item = hash < 0 ? rest : rest.substring(0, hash);
    require(!item.isBlank(), "bw:ITEM needs an item name or id");
    // bw would read a leading '-' as one of its own options.
    require(!item.startsWith("-"), "bw:ITEM must not start with '-'");
    if (hash < 0) {
      return new BitwardenKeySource(item, null, bwBinary);
    }
    String field = rest.substring(hash + 1);
    require(!field.isEmpty(), "bw:ITEM#FIELD needs a field name after '#'");
    return new BitwardenKeySource(item, field, bwBinary);
  }

  private static void require(boolean ok, String why) {
    if (!ok) {
      throw invalid(why);
    }
  }

  private static IllegalArgumentException invalid(String why) {
    return new IllegalArgumentException(
        "invalid auth key source (" + why + "): use one of " + AuthKeySource.FORMS);
  }
}
