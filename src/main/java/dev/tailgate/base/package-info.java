/**
 * Small helpers any package may use, each idea written once: message wording, IP literals, HTTP
 * Basic auth, user:password files, PATH lookup.
 *
 * <p>JDK only: imports no netty, no Jackson and no other tailgate package.
 */
package dev.tailgate.base;
