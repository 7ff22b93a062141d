/**
 * Where an auth key comes from: env, file, bw, bws; never in argv, logs or readable files.
 *
 * <p>Depends on the JDK, Jackson (bw's JSON) and {@code base} only: bootstrap asks it for a key,
 * config and doctor check a key source's form through it.
 */
package dev.tailgate.keys;
