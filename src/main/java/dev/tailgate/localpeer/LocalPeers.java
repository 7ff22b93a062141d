package dev.tailgate.localpeer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the local process behind loopback clients, off the caller's thread: one thread asks the
 * kernel for each client socket's owner by netlink sock_diag ({@link NetlinkSocket}, microseconds a
 * lookup whatever the number of sockets), or where netlink is not there reads /proc/net/tcp{,6}
 * (one read answers every lookup queued meanwhile, so a burst of accepts costs one read, but a read
 * costs milliseconds per thousand sockets, TIME_WAIT ones included); another thread walks
 * /proc/PID/fd for the processes (at most once per walk interval, each walk answering everything
 * queued) and reads their parent chains. Both queues are bounded; a lookup that finds nothing, or
 * finds no room, completes with a {@link LocalPeer} that says why. Nothing here throws into the
 * caller.
 */
public final class LocalPeers {
  static final int MAX_QUEUED = 4096;
  static final int MAX_BATCH = 1024;
  static final Duration WALK_INTERVAL = Duration.ofMillis(50);

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

  private final long walkIntervalNanos;
  private final ProcessTable processes;
  private final BlockingQueue<Request> ownerQueue = new ArrayBlockingQueue<>(MAX_QUEUED);
  private final BlockingQueue<Request> processQueue = new ArrayBlockingQueue<>(MAX_QUEUED);

  /**
   * Both stages of one lookup: the socket's owner first, then the process holding it. Cancel {@code
   * process} once the answer is no longer wanted (the connection ended): the walk then skips it.
   */
  public record Lookup(CompletableFuture<LocalPeer> owner, CompletableFuture<LocalPeer> process) {
    static Lookup done(LocalPeer peer) {
      return new Lookup(
          CompletableFuture.completedFuture(peer), CompletableFuture.completedFuture(peer));
    }
  }

  private static final class Request {
    final InetSocketAddress client;
    final InetSocketAddress listener;
    final String v4;
    final String v6;
    final CompletableFuture<LocalPeer> owner = new CompletableFuture<>();
    final CompletableFuture<LocalPeer> process = new CompletableFuture<>();
    LocalPeer found;
    long inode;

    /** Not a lookup: {@link #prepare()}'s. */
    Request() {
      this.client = null;
      this.listener = null;
      this.v4 = null;
      this.v6 = null;
    }

    Request(InetSocketAddress client, InetSocketAddress listener) {
      this.client = client;
      this.listener = listener;
      InetAddress from = client.getAddress();
      InetAddress to = listener.getAddress();
      this.v4 = SocketTable.key(from, client.getPort(), to, listener.getPort(), false);
      this.v6 = SocketTable.key(from, client.getPort(), to, listener.getPort(), true);
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
    this.proc = proc;
    this.scannable = Files.isReadable(proc.resolve("net/tcp"));
    this.useNetlink = netlink;
    this.available = scannable || netlink;
    this.walkIntervalNanos = walkInterval.toNanos();
    this.processes = new ProcessTable(proc);
    if (available) {
      start("tailgate-localpeer-owner", this::owners);
      start("tailgate-localpeer-process", this::processes);
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

  /** Whether {@code address} is one a local process connects from. */
  public static boolean isLoopback(InetAddress address) {
    return address != null && address.isLoopbackAddress();
  }

  /**
   * Starts finding the process that connected from {@code client} to {@code listener} (the accepted
   * socket's remote and local addresses).
   */
  public Lookup lookup(InetSocketAddress client, InetSocketAddress listener) {
    InetAddress from = client.getAddress();
    InetAddress to = listener.getAddress();
    if (!isLoopback(from) || to == null) {
      return Lookup.done(LocalPeer.unknown("not a loopback client"));
    }
    if (!available) {
      return Lookup.done(LocalPeer.unknown("no " + proc.resolve("net/tcp") + " on this system"));
    }
    Request r = new Request(client, listener);
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
      if (r.v4 != null) {
        v4.put(r.v4, null);
      }
    }
    if (!v4.isEmpty()) {
      SocketTable.scan(proc.resolve("net/tcp"), v4);
    }
    Map<String, SocketTable.Entry> v6 = new HashMap<>();
    for (Request r : batch) {
      if ((r.v4 == null || v4.get(r.v4) == null) && r.v6 != null) {
        v6.put(r.v6, null);
      }
    }
    if (!v6.isEmpty() && Files.isReadable(proc.resolve("net/tcp6"))) {
      SocketTable.scan(proc.resolve("net/tcp6"), v6);
    }
    for (Request r : batch) {
      SocketTable.Entry e = r.v4 != null && v4.get(r.v4) != null ? v4.get(r.v4) : v6.get(r.v6);
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
    LocalPeer owner = new LocalPeer(e.uid(), -1, null, null, "process not looked up yet");
    r.owner.complete(owner);
    r.found = owner;
    r.inode = e.inode();
    if (!processQueue.offer(r)) {
      r.process.complete(
          owner.withoutProcess("more than " + MAX_QUEUED + " process lookups queued"));
    }
  }

  private void processes() {
    List<Request> batch = new ArrayList<>();
    long lastWalk = System.nanoTime() - walkIntervalNanos;
    while (true) {
      batch.clear();
      if (!take(processQueue, batch)) {
        return;
      }
      try {
        if (!missing(batch).isEmpty()) {
          long wait = lastWalk + walkIntervalNanos - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
            processQueue.drainTo(batch, MAX_BATCH);
          }
          Set<Long> missing = missing(batch);
          if (!missing.isEmpty()) {
            processes.walk(missing);
            lastWalk = System.nanoTime();
          }
        }
        for (Request r : batch) {
          long pid = processes.remembered(r.inode);
          r.process.complete(
              pid < 0
                  ? r.found.withoutProcess(
                      "no process of ours holds the socket now: gone, or another user's")
                  : r.found.withProcess(pid, processes.command(pid), processes.tree(pid)));
        }
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        batch.forEach(r -> r.process.complete(r.found.withoutProcess("process walk failed: " + e)));
      }
    }
  }

  /**
   * The inodes of {@code batch} that the last walk did not see, once the lookups given up are
   * dropped from it: a socket closed since its owner was found is not held by anyone any more, and
   * looking for it would cost a walk of every process (a connect-and-close storm asks for
   * thousands).
   */
  private Set<Long> missing(List<Request> batch) {
    batch.removeIf(r -> r.process.isDone());
    Set<Long> missing = new HashSet<>();
    for (Request r : batch) {
      if (processes.remembered(r.inode) < 0) {
        missing.add(r.inode);
      }
    }
    return missing;
  }

  private static boolean take(BlockingQueue<Request> queue, List<Request> batch) {
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

  private static void start(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }
}
