/**
 * tailscaled's LocalAPI: the unix-socket HTTP client, the IPN bus watch, and the types it answers
 * with (status, peers, states), plus {@link dev.tailgate.localapi.LocalApi} for one-off questions.
 *
 * <p>Depends on Netty (epoll unix sockets), Jackson and the JDK only: no other tailgate package.
 */
package dev.tailgate.localapi;
