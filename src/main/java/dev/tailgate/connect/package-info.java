/**
 * {@code tailgate connect HOST PORT}: the ssh ProxyCommand, joining standard input and output to a
 * target through the relay's SOCKS5 with the name unresolved.
 *
 * <p>Every ssh connection pays this path's start-up, so it uses the JDK only (blocking sockets, two
 * copy threads) and depends on nothing else in tailgate but the JDK-only {@code base} (its IP
 * literals): no picocli, Jackson, Netty or logback is loaded, no config file is read. No lambdas or
 * string concatenation on the success path either, each of which would bootstrap {@code
 * java.lang.invoke} on start-up. See decision record 0007.
 */
package dev.tailgate.connect;
