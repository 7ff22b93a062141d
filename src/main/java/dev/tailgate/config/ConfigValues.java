package dev.tailgate.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.io.IOException;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings as one source gives them: the config file or the command line. A {@code null} field was
 * not given. The YAML keys are the long flag names without dashes in front.
 */
public final class ConfigValues {
  @JsonProperty("listen")
  public String listen;

  @JsonProperty("listen-unix")
  public String listenUnix;

  @JsonProperty("listen-unix-mode")
  public String listenUnixMode;

  @JsonProperty("upstream")
  public String upstream;

  @JsonProperty("no-bootstrap")
  public Boolean noBootstrap;

  @JsonProperty("allow")
  @JsonDeserialize(contentUsing = LocatedReader.class)
  public List<Located> allow;

  @JsonProperty("log-file")
  public String logFile;

  @JsonProperty("idle-timeout")
  public String idleTimeout;

  @JsonProperty("auth-file")
  public String authFile;

  @JsonProperty("admin")
  public String admin;

  @JsonProperty("max-connections")
  public Integer maxConnections;

  @JsonProperty("max-per-client")
  public Integer maxPerClient;

  @JsonProperty("max-handshakes")
  public Integer maxHandshakes;

  @JsonProperty("max-handshakes-per-client")
  public Integer maxHandshakesPerClient;

  @JsonProperty("client-identity")
  public String clientIdentity;

  @JsonProperty("max-waiting")
  public Integer maxWaiting;

  @JsonProperty("close-denied-on-reload")
  public Boolean closeDeniedOnReload;

  @JsonProperty("allowlist-mode")
  public String allowlistMode;

  @JsonProperty("tailscaled")
  public String tailscaled;

  @JsonProperty("tailscale")
  public String tailscale;

  @JsonProperty("state-dir")
  public String stateDir;

  @JsonProperty("socket")
  public String socket;

  @JsonProperty("auth-key")
  public String authKey;

  @JsonProperty("hostname")
  public String hostname;

  @JsonProperty("login-server")
  public String loginServer;

  @JsonProperty("advertise-tags")
  public String advertiseTags;

  @JsonProperty("ephemeral")
  public Boolean ephemeral;

  @JsonProperty("tailscaled-log")
  public String tailscaledLog;

  /**
   * Where each given value was written, by key: {@code FILE:LINE} for the config file, {@code
   * --KEY} for a flag. Not a setting: errors use it through {@link #label}.
   */
  @JsonIgnore public Map<String, String> origins = new HashMap<>();

  /**
   * The settings' fields. Found by name, not by annotation: reading annotations makes a proxy class
   * per annotation type, about 8 ms on {@code up}'s way to tailscaled's spawn. Each key is its
   * field's name in kebab case, as its {@code @JsonProperty} says (ConfigValuesTest checks).
   */
  static final List<Field> VALUES =
      Arrays.stream(ConfigValues.class.getFields())
          .filter(f -> !java.lang.reflect.Modifier.isStatic(f.getModifiers()))
          .filter(f -> !f.getName().equals("origins"))
          .toList();

  /** Keys the file may hold, for error messages. */
  static final List<String> KEYS = VALUES.stream().map(ConfigValues::key).toList();

  /**
   * The settings table: each key, as the file and {@code --KEY} spell it, with the type of its
   * value ({@code String}, {@code Integer}, {@code Boolean} or a {@code List} of {@link Located}),
   * in the order declared here. An option of {@code up} is declared once, as a field of this class:
   * the YAML reader, {@code up}'s quick parser (cli.QuickUp) and {@link #set} follow this table,
   * and a test holds picocli's options of {@code up} to it (cli.QuickUpTest).
   */
  public static Map<String, Class<?>> types() {
    Map<String, Class<?>> types = new java.util.LinkedHashMap<>();
    for (Field f : VALUES) {
      types.put(key(f), f.getType());
    }
    return types;
  }

  /** Gives {@code key} the value {@code value}, of its type in {@link #types}; null unsets it. */
  public void set(String key, Object value) {
    try {
      field(key).set(this, value);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("ConfigValues fields are public", e);
    }
  }

  /** The value of {@code key}, or null when it was not given. */
  public Object get(String key) {
    try {
      return field(key).get(this);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("ConfigValues fields are public", e);
    }
  }

  private static Field field(String key) {
    int i = KEYS.indexOf(key);
    if (i < 0) {
      throw new IllegalArgumentException("not a setting: " + key);
    }
    return VALUES.get(i);
  }

  /** A field's key in the file: {@code maxWaiting} is {@code max-waiting}. */
  static String key(Field f) {
    return f.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * How an error about {@code key}'s value starts: {@code FILE:LINE: KEY} for a value from the
   * file, {@code --KEY} for a flag, or the key alone for a default or a value of unknown origin.
   */
  public String label(String key) {
    String origin = origins.get(key);
    if (origin == null) {
      return key;
    }
    return origin.startsWith("--") ? origin : origin + ": " + key;
  }

  /**
   * These values with {@code top}'s given values laid over them: {@code top} wins. A value {@code
   * top} gives counts as a flag's ({@code --KEY}) unless {@code top} says where it came from.
   */
  public ConfigValues overlaidWith(ConfigValues top) {
    ConfigValues v = new ConfigValues();
    try {
      for (Field f : VALUES) {
        String key = key(f);
        if (f.get(top) != null) {
          f.set(v, f.get(top));
          v.origins.put(key, top.origins.getOrDefault(key, "--" + key));
        } else if (f.get(this) != null) {
          f.set(v, f.get(this));
          if (origins.containsKey(key)) {
            v.origins.put(key, origins.get(key));
          }
        }
      }
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("ConfigValues fields are public", e);
    }
    return v;
  }

  /** Reads one list item as a {@link Located} string carrying its line. */
  static final class LocatedReader extends JsonDeserializer<Located> {
    @Override
    public Located deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
      int line = p.currentTokenLocation().getLineNr();
      if (!p.currentToken().isScalarValue()) {
        return (Located) ctx.handleUnexpectedToken(Located.class, p);
      }
      return new Located(p.getValueAsString(), "", line);
    }
  }
}
