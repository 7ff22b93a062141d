package dev.tailgate.gateway;

import dev.tailgate.config.ConfigException;
import dev.tailgate.relay.Credentials;
import java.io.IOException;
import java.nio.file.Path;

/** Loads the settings that live in files of their own. */
final class Settings {
  private Settings() {}

  static Credentials credentials(Path file) throws ConfigException {
    try {
      return Credentials.load(file);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("auth-file: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new ConfigException("auth-file: cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
