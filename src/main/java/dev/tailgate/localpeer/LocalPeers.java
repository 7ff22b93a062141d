package dev.tailgate.localpeer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the local process behind loopback clients, off the caller's thread: one thread asks the
 * kernel for each client socket's owner by netlink sock_diag ({@link NetlinkSocket}, microseconds a
 * lookup whatever the number of sockets), or where netlink is not there reads /proc/net/tcp{,6}
 * (one read answers every lookup queued meanwhile, so a burst of accepts costs one read, but a read
 * costs milliseconds per thousand sockets, TIME_WAIT ones included); another thread walks
 * /proc/PID/fd for the processes ({@link ProcessTable}: at most once per walk interval, each walk
 * answering everything due) and reads their parent chains. The process stage is lazy: it looks only
 * for clients still connected {@link #PROCESS_DELAY} after their owner was found (unless the caller
 * needs the process at once), so a connect-and-close or a one-millisecond request, which the status
 * page never shows, never costs a walk; its log line says so. Both queues are bounded; a lookup
 * that finds nothing, or finds no room, completes with a {@link LocalPeer} that says why. Nothing
 * here throws into the caller.
 */
public final class LocalPeers {
  static final int MAX_QUEUED = 4096;
  static final int MAX_BATCH = 1024;
  static final Duration WALK_INTERVAL = Duration.ofMillis(50);

  /**
   * How long a client must stay connected before its process is looked for: longer than a
   * connect-and-close or a short request (bench-relay's connect+echo is under 1 ms, its p99 a few),
   * short enough that an ssh session names its process before anyone reads the status page.
   */
  public static final Duration PROCESS_DELAY = Duration.ofMillis(30);

  private static final Logger log = LoggerFactory.getLogger(LocalPeers.class);
  private static LocalPeers system;

  private final Path proc;
  private final boolean scannable;
  private final boolean available;
  private boolean useNetlink;
  private NetlinkSocket netlink; // the owner thread's, opened by its first lookup
  private boolean netlinkFoundOne; // from then on, the kernel's ENOENT means the socket is gone

  /** Netlink found a socket on the owner thread: callers may ask it themselves from now on. */
  private volatile boolean netlinkWorks;

  /** Each caller thread's own netlink socket (an event loop's), for {@link #askAtOnce}. */
  private final ThreadLocal<NetlinkSocket> callerSockets = new ThreadLocal<>();

  private final ProcessStage processes;
  private final BlockingQueue<Request> ownerQueue = new ArrayBlockingQueue<>(MAX_QUEUED);

  /**
   * Both stages of one lookup: the socket's owner first, then the process holding it. Call {@link
   * #ended} once the connection ended: the walk then skips it.
   */
  public record Lookup(CompletableFuture<LocalPeer> owner, CompletableFuture<LocalPeer> process) {
    static Lookup done(LocalPeer peer) {
      return new Lookup(
          CompletableFuture.completedFuture(peer), CompletableFuture.completedFuture(peer));
    }

    /**
     * The connection ended: its process is no longer wanted, and no walk looks for it. (Completed
     * rather than cancelled: a cancel builds an exception with its stack trace, per connection.)
     */
    public void ended() {
      if (!process.isDone()) {
        process.complete(LocalPeer.ended(owner.getNow(LocalPeer.pending())));
      }
    }
  }

  /** One lookup, through both stages. */
  static final class Request {
    final InetSocketAddress client;
    final InetSocketAddress listener;
    final boolean processAtOnce;
    final CompletableFuture<LocalPeer> owner = new CompletableFuture<>();
    final CompletableFuture<LocalPeer> process = new CompletableFuture<>();
    LocalPeer found;
    long inode;

    /**
     * When the process stage may look for it ({@link System#nanoTime}), once the owner is found.
     */
    long due;

    /** Not a lookup: {@link #prepare()}'s. */
    Request() {
      this(null, null, false);
    }

    Request(InetSocketAddress client, InetSocketAddress listener, boolean processAtOnce) {
      this.client = client;
      this.listener = listener;
      this.processAtOnce = processAtOnce;
    }

    /** The socket tables' key for this client (IPv4 or IPv6 table), or {@code null}. */
    String key(boolean v6) {
      return SocketTable.key(
          client.getAddress(), client.getPort(), listener.getAddress(), listener.getPort(), v6);
    }
  }

  /** Owners by scanning {@code proc}'s socket tables only, as where netlink is not there. */
  LocalPeers(Path proc, Duration walkInterval) {
    this(proc, walkInterval, false);
  }

  /**
   * @param netlink whether to ask the kernel by netlink sock_diag first (the socket tables of
   *     {@code proc} answering when it cannot)
   */
  LocalPeers(Path proc, Duration walkInterval, boolean netlink) {
    this(proc, walkInterval, PROCESS_DELAY, netlink);
  }

  /**
   * @param processDelay how long a client must stay connected before its process is looked for
   */
  LocalPeers(Path proc, Duration walkInterval, Duration processDelay, boolean netlink) {
    this.proc = proc;
    this.scannable = Files.isReadable(proc.resolve("net/tcp"));
    this.useNetlink = netlink;
    this.available = scannable || netlink;
    this.processes = new ProcessStage(proc, walkInterval, processDelay);
    if (available) {
      processes.start();
      start("tailgate-localpeer-owner", this::owners);
    }
  }

  /** The machine's own /proc, shared by every listener of this process. */
  public static synchronized LocalPeers system() {
    if (system == null) {
      system = new LocalPeers(Path.of("/proc"), WALK_INTERVAL, true);
    }
    return system;
  }

  /**
   * Opens the netlink socket now, in the background, so that the first client does not wait for JNA
   * to load (tens of milliseconds, hundreds on a busy machine). Called once a listener that looks
   * clients up is bound, which is after tailscaled's spawn.
   */
  public void prepare() {
    if (available) {
      ownerQueue.offer(new Request());
    }
  }

  /**
   * The process the kernel named for a client (a Unix socket's SO_PEERCRED uid and pid), with its
   * command read from /proc/PID/comm now: one small read, so no queue and no wait; its parents are
   * not looked up. A command that cannot be read (the process gone, or in another pid namespace,
   * where the kernel gives pid 0) is missing and {@code unknown} says so.
   */
  public LocalPeer named(int uid, long pid) {
    return new LocalPeer(uid, pid, null, null, null)
        .withProcess(pid, ProcessTable.command(proc, pid), null);
  }

  /**
   * The uid this process runs as (the owner of /proc/self), as the kernel would name it for a
   * socket this process opens: what the relay will see for its connections. Empty off Linux.
   */
  public static OptionalInt ownUid() {
    try {
      return OptionalInt.of((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return OptionalInt.empty(); // no /proc, or no unix attribute view: not Linux
    }
  }

  /** Whether {@code address} is one a local process connects from. */
  public static boolean isLoopback(InetAddress address) {
    return address != null && address.isLoopbackAddress();
  }

  /**
   * Starts finding the process that connected from {@code client} to {@code listener} (the accepted
   * socket's remote and local addresses), its process only if it is still connected after {@link
   * #PROCESS_DELAY}.
   */
  public Lookup lookup(InetSocketAddress client, InetSocketAddress listener) {
    return lookup(client, listener, false);
  }

  /**
   * As {@link #lookup(InetSocketAddress, InetSocketAddress)}, the process looked for at the next
   * walk when {@code processAtOnce} (a caller that counts clients by process and waits for it).
   */
  public Lookup lookup(
      InetSocketAddress client, InetSocketAddress listener, boolean processAtOnce) {
    InetAddress from = client.getAddress();
    InetAddress to = listener.getAddress();
    if (!isLoopback(from) || to == null) {
      return Lookup.done(LocalPeer.unknown("not a loopback client"));
    }
    if (!available) {
      return Lookup.done(LocalPeer.unknown("no " + proc.resolve("net/tcp") + " on this system"));
    }
    Request r = new Request(client, listener, processAtOnce);
    if (askAtOnce(r)) {
      return new Lookup(r.owner, r.process);
    }
    if (!ownerQueue.offer(r)) {
      return Lookup.done(LocalPeer.unknown("more than " + MAX_QUEUED + " lookups queued"));
    }
    return new Lookup(r.owner, r.process);
  }

  private void owners() {
    List<Request> batch = new ArrayList<>();
    while (true) {
      batch.clear();
      if (!take(ownerQueue, batch)) {
        return;
      }
      try {
        findOwners(batch);
      } catch (IOException | RuntimeException e) {
        LocalPeer failed = LocalPeer.unknown("cannot read the socket tables: " + e.getMessage());
        batch.forEach(r -> finish(r, failed, failed));
      }
    }
  }

  /** Each by netlink; what it cannot answer, by the socket tables. */
  private void findOwners(List<Request> batch) throws IOException {
    List<Request> rest = new ArrayList<>();
    for (Request r : batch) {
      if (r.client == null) {
        netlink(); // prepare()
        EarlyHangup.load();
      } else if (!askKernel(r)) {
        rest.add(r);
      }
    }
    if (!rest.isEmpty()) {
      scanOwners(rest);
    }
  }

  /**
   * Whether the caller's own netlink socket answered {@code r} at once: a request the kernel
   * answers within its sendto, so the caller (an event loop) never waits, and is spared the wake-up
   * of the owner thread, which is what a lookup costs on a busy machine (milliseconds at load 11 on
   * two cores, where the request itself is 10 us). Anything else goes to the owner thread.
   */
  private boolean askAtOnce(Request r) {
    if (!netlinkWorks) {
      return false;
    }
    try {
      NetlinkSocket s = callerSockets.get();
      if (s == null) {
        s = NetlinkSocket.open();
        callerSockets.set(s);
      }
      SockDiag.Answer a = s.ask(r.client, r.listener, false);
      if (a.entry() != null) {
        found(r, a.entry());
        return true;
      }
      if (a.errno() == SockDiag.ENOENT) {
        notFound(r, "sock_diag");
        return true;
      }
    } catch (IOException e) {
      // Not at once: the owner thread asks again, and falls back to the tables if it must.
    }
    return false;
  }

  /** Whether netlink answered {@code r}: found it, or knows it is gone. */
  private boolean askKernel(Request r) {
    NetlinkSocket s = netlink();
    if (s == null) {
      return false;
    }
    SockDiag.Answer a;
    try {
      a = s.ask(r.client, r.listener, true);
    } catch (IOException e) {
      log.warn(
          "localpeer: netlink sock_diag failed ({}): owners from /proc/net/tcp now",
          e.getMessage());
      s.close();
      netlink = null;
      useNetlink = false;
      return false;
    }
    if (a.entry() != null) {
      netlinkFoundOne = true;
      netlinkWorks = true;
      found(r, a.entry());
      return true;
    }
    if (a.errno() == SockDiag.ENOENT && netlinkFoundOne) {
      notFound(r, "sock_diag");
      return true;
    }
    return false;
  }

  private NetlinkSocket netlink() {
    if (netlink == null && useNetlink) {
      try {
        netlink = NetlinkSocket.open();
        log.info("localpeer: socket owners by netlink sock_diag");
      } catch (IOException | LinkageError e) {
        useNetlink = false;
        log.info(
            "localpeer: no netlink sock_diag ({}): socket owners from /proc/net/tcp",
            e.getMessage());
      }
    }
    return netlink;
  }

  /** One read of tcp for IPv4 sockets, then one of tcp6 for what is still missing. */
  private void scanOwners(List<Request> batch) throws IOException {
    if (!scannable) {
      throw new IOException("no " + proc.resolve("net/tcp"));
    }
    Map<String, SocketTable.Entry> v4 = new HashMap<>();
    for (Request r : batch) {
      if (r.key(false) != null) {
        v4.put(r.key(false), null);
      }
    }
    if (!v4.isEmpty()) {
      SocketTable.scan(proc.resolve("net/tcp"), v4);
    }
    Map<String, SocketTable.Entry> v6 = new HashMap<>();
    for (Request r : batch) {
      if (v4.get(r.key(false)) == null && r.key(true) != null) {
        v6.put(r.key(true), null);
      }
    }
    if (!v6.isEmpty() && Files.isReadable(proc.resolve("net/tcp6"))) {
      SocketTable.scan(proc.resolve("net/tcp6"), v6);
    }
    for (Request r : batch) {
      SocketTable.Entry e =
          v4.get(r.key(false)) != null ? v4.get(r.key(false)) : v6.get(r.key(true));
      if (e == null) {
        notFound(r, "/proc/net/tcp");
      } else {
        found(r, e);
      }
    }
  }

  private static void notFound(Request r, String where) {
    LocalPeer none =
        LocalPeer.unknown(
            "the client's socket is not in " + where + ": gone, or in another network namespace");
    finish(r, none, none);
  }

  private void found(Request r, SocketTable.Entry e) {
    if (e.inode() == 0) {
      LocalPeer closed = LocalPeer.closed();
      finish(r, closed, closed);
      return;
    }
    LocalPeer owner = LocalPeer.owner(e.uid());
    r.found = owner;
    r.inode = e.inode();
    r.owner.complete(owner);
    processes.offer(r);
  }

  /** How many walks of /proc there were. */
  int walks() {
    return processes.walks();
  }

  /** Blocks for one of {@code queue}, then takes what else is there, up to {@link #MAX_BATCH}. */
  static boolean take(BlockingQueue<Request> queue, List<Request> batch) {
    try {
      batch.add(queue.take());
    } catch (InterruptedException e) {
      return false;
    }
    queue.drainTo(batch, MAX_BATCH - 1);
    return true;
  }

  private static void finish(Request r, LocalPeer owner, LocalPeer process) {
    r.owner.complete(owner);
    r.process.complete(process);
  }

  static Thread start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
