package dev.tailgate.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the YAML config file. Unknown or repeated keys, wrong types and oversized files are errors.
 */
public final class ConfigFile {
  static final long MAX_BYTES = 1 << 20;

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

  private ConfigFile() {}

  public static ConfigValues read(Path file) throws ConfigException {
    String name = file.toString();
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new ConfigException(name + ": larger than 1 MiB, which no config file needs");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(name + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(name + ": cannot read: " + e.getMessage(), e);
    }
    if (new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      return new ConfigValues();
    }
    ConfigValues values;
    try {
      values = YAML.readValue(bytes, ConfigValues.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          at(name, e.getLocation())
              + ": unknown key '"
              + e.getPropertyName()
              + "' (known keys: "
              + String.join(", ", ConfigValues.KEYS)
              + ")",
          e);
    } catch (JacksonException e) {
      throw new ConfigException(
          at(name, e.getLocation()) + ": " + firstLine(e.getOriginalMessage()), e);
    } catch (IOException e) {
      throw new ConfigException(name + ": cannot read: " + e.getMessage(), e);
    }
    if (values == null) {
      return new ConfigValues();
    }
    values.origins.putAll(keyLines(name, bytes));
    if (values.allow != null) {
      List<Located> located = new ArrayList<>(values.allow.size());
      for (Located rule : values.allow) {
        if (rule == null) {
          throw new ConfigException(name + ": an empty item in 'allow'");
        }
        located.add(rule.in(name));
      }
      values.allow = located;
    }
    return values;
  }

  /** {@code FILE:LINE} of each top-level key; the file has parsed already, so this cannot fail. */
  private static Map<String, String> keyLines(String name, byte[] bytes) {
    Map<String, String> lines = new HashMap<>();
    try (JsonParser p = YAML.getFactory().createParser(bytes)) {
      int depth = 0;
      for (JsonToken t; (t = p.nextToken()) != null; ) {
        if (t.isStructStart()) {
          depth++;
        } else if (t.isStructEnd()) {
          depth--;
        } else if (t == JsonToken.FIELD_NAME && depth == 1) {
          lines.put(p.currentName(), at(name, p.currentTokenLocation()));
        }
      }
    } catch (IOException e) {
      // Parsed once already; without lines, errors name the key alone.
    }
    return lines;
  }

  private static String at(String name, JsonLocation location) {
    return location == null || location.getLineNr() <= 0 ? name : name + ":" + location.getLineNr();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "not valid YAML";
    }
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
