/**
 * Settings: parsed and validated in one place, from the YAML file and the command line (flags win).
 *
 * <p>{@link dev.tailgate.config.ConfigValues} is the one table of {@code up}'s options. Depends on
 * Jackson, {@code policy} and {@code keys} (to check rules and key sources where they are written)
 * and {@code base}; never on what runs (relay, bootstrap, gateway). Every error is a {@link
 * dev.tailgate.config.ConfigException} with one line that names the source (file and line, or flag)
 * and what is wrong.
 */
package dev.tailgate.config;
