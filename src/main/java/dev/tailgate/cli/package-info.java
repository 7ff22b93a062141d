/**
 * The command line: picocli commands, one file each, exit codes and one-line errors. A plain {@code
 * up} line is read by {@link dev.tailgate.cli.QuickUp} without picocli, for a quicker start of
 * tailscaled (decision record 0010); help and usage errors always come from picocli.
 *
 * <p>Commands, option parsing and exit codes only: what runs lives in {@link dev.tailgate.gateway}.
 * The only package that may depend on all the others; nothing depends on it.
 */
package dev.tailgate.cli;
