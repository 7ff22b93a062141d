/**
 * Settings: parsed and validated in one place, from the YAML file and the command line (flags win).
 *
 * <p>Pure Java plus Jackson; every error is a {@link dev.tailgate.config.ConfigException} with one
 * line that names the source (file and line, or flag) and what is wrong.
 */
package dev.tailgate.config;
