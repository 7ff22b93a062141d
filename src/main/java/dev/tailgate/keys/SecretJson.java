package dev.tailgate.keys;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Pulls one string out of a secret store's JSON with a streaming parser, so that the other values
 * (an item's password, notes, TOTP seed) are skipped without ever becoming Strings, and the wanted
 * one is copied from the parser's buffer straight into a {@link Secret}.
 *
 * <p>Parse errors surface as {@link Malformed}, which carries no text: Jackson's own messages quote
 * the input, and the input may be the key.
 */
final class SecretJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  /** The JSON was not the shape expected. Deliberately message-less. */
  static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed() {
      super(null, null, false, false);
    }
  }

  private SecretJson() {}

  /** {@code .value} of a top-level object ({@code bws secret get}); empty if absent or null. */
  static Optional<Secret> topLevelString(byte[] json, String key) throws Malformed {
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals(key)) {
          return value == JsonToken.VALUE_STRING ? Optional.of(copyText(p)) : Optional.empty();
        }
        p.skipChildren();
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new Malformed();
    }
  }

  /**
   * The {@code value} of the first element named {@code field} in a Bitwarden item's {@code
   * .fields[]} array of {@code {name, value, type}}.
   *
   * @return empty if there is no such field; a Secret (maybe empty) if there is
   */
  static Optional<Secret> customField(byte[] json, String field) throws Malformed {
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("fields") && value == JsonToken.START_ARRAY) {
          return findField(p, field);
        }
        p.skipChildren();
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new Malformed();
    }
  }

  private static Optional<Secret> findField(JsonParser p, String field)
      throws IOException, Malformed {
    while (p.nextToken() == JsonToken.START_OBJECT) {
      String name = null;
      Secret value = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        JsonToken token = p.nextToken();
        if (key.equals("name") && token == JsonToken.VALUE_STRING) {
          name = p.getText();
        } else if (key.equals("value") && token == JsonToken.VALUE_STRING && value == null) {
          value = copyText(p);
        } else {
          p.skipChildren();
        }
      }
      if (field.equals(name)) {
        return Optional.of(value != null ? value : Secret.trimmedCopyOf(new char[0]));
      }
      if (value != null) {
        value.close();
      }
    }
    return Optional.empty();
  }

  private static Secret copyText(JsonParser p) throws IOException {
    char[] chars =
        Arrays.copyOfRange(
            p.getTextCharacters(), p.getTextOffset(), p.getTextOffset() + p.getTextLength());
    try {
      return Secret.trimmedCopyOf(chars);
    } finally {
      Arrays.fill(chars, '\0');
    }
  }

  private static void expect(JsonToken actual, JsonToken expected) throws Malformed {
    if (actual != expected) {
      throw new Malformed();
    }
  }
}
