/**
 * Who is on the other end of a loopback TCP connection: the uid, pid and command of the local
 * process that owns the client's socket, read from /proc/net/tcp{,6} and /proc/PID/fd.
 *
 * <p>JDK only: no Netty and no other tailgate package; never throws into its caller.
 */
package dev.tailgate.localpeer;
