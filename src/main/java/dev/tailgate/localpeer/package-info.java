/**
 * Who is on the other end of a loopback TCP connection: the uid, pid, command and parent chain of
 * the local process that owns the client's socket, asked of the kernel by netlink sock_diag (JNA)
 * or read from /proc/net/tcp{,6}, and /proc/PID/fd and /proc/PID/stat; and the command of a process
 * the kernel named (a Unix-socket client's SO_PEERCRED pid).
 *
 * <p>The JDK, SLF4J and JNA (here only, loaded by the first lookup): no Netty and no other tailgate
 * package; never throws into its caller.
 */
package dev.tailgate.localpeer;
