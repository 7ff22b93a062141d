/**
 * The command line: picocli commands, one file each, exit codes and one-line errors.
 *
 * <p>The only package that may depend on all the others; nothing depends on it.
 */
package dev.tailgate.cli;
