package dev.tailgate.cli;

import dev.tailgate.config.ConfigException;
import dev.tailgate.config.ConfigFile;
import dev.tailgate.config.ConfigValues;
import dev.tailgate.config.TailgateConfig;
import java.nio.file.Path;
import java.util.Locale;

/** Settings for the commands that read tailgate's config but run no relay. */
final class ConfigLoading {
  private ConfigLoading() {}

  /** The validated settings of {@code file}, or the defaults when it is null. */
  static TailgateConfig load(Path file) throws ConfigException {
    ConfigValues values = file == null ? new ConfigValues() : ConfigFile.read(file);
    if (values.upstream != null && values.upstream.strip().equals("direct")) {
      values.noBootstrap = true; // only `up` cares whether direct is paired with no-bootstrap
    }
    return TailgateConfig.from(values);
  }

  /** A MagicDNS suffix as given, checked and without dots at the ends. */
  static String suffix(String text) throws ConfigException {
    String s = text.strip().toLowerCase(Locale.ROOT);
    if (s.startsWith(".")) {
      s = s.substring(1);
    }
    if (s.endsWith(".")) {
      s = s.substring(0, s.length() - 1);
    }
    if (!s.matches("[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
      throw new ConfigException(
          "--magic-dns-suffix: '" + text + "' is not a DNS suffix such as tail1234.ts.net");
    }
    return s;
  }
}
