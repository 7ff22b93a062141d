package dev.tailgate.localpeer;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;

/**
 * One pass over /proc/net/tcp or tcp6, which list every TCP socket of the network namespace with
 * its owner's uid and its inode. Endpoints are matched in the kernel's own text form (each 32-bit
 * word of the address printed in host byte order, then the port), so no line is parsed beyond the
 * four fields that matter.
 */
final class SocketTable {
  /**
   * A bound on one file's lines: a namespace with more sockets than this is not read to the end.
   */
  static final int MAX_LINES = 1_000_000;

  private static final HexFormat HEX = HexFormat.of().withUpperCase();
  private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  /** The owner's uid and the socket's inode; the inode is 0 once no process holds the socket. */
  record Entry(int uid, long inode) {}

  private SocketTable() {}

  /**
   * The kernel's {@code local_address rem_address} for a socket from {@code local} to {@code
   * remote}, in tcp6's form ({@code v6}: an IPv4 address as {@code ::ffff:a.b.c.d}) or tcp's
   * ({@code null} when the addresses have no IPv4 form).
   */
  static String key(
      InetAddress local, int localPort, InetAddress remote, int remotePort, boolean v6) {
    String a = endpoint(local, localPort, v6);
    String b = endpoint(remote, remotePort, v6);
    return a == null || b == null ? null : a + " " + b;
  }

  private static String endpoint(InetAddress address, int port, boolean v6) {
    byte[] raw = address.getAddress();
    if (v6 && address instanceof Inet4Address) {
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(raw, 0, mapped, 12, 4);
      raw = mapped;
    } else if (v6 != (raw.length == 16)) {
      return null;
    }
    StringBuilder out = new StringBuilder(raw.length * 2 + 5);
    for (int i = 0; i < raw.length; i += 4) {
      for (int j = 0; j < 4; j++) {
        out.append(HEX.toHexDigits(raw[i + (LITTLE ? 3 - j : j)]));
      }
    }
    return out.append(':').append(HEX.toHexDigits((short) port)).toString();
  }

  /**
   * Reads {@code file} and puts into {@code found} the entry of each line whose key {@code found}
   * maps to {@code null}; stops once every key has its entry.
   */
  static void scan(Path file, Map<String, Entry> found) throws IOException {
    long missing = found.values().stream().filter(e -> e == null).count();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
      in.readLine(); // the header
      String line;
      for (int n = 0; missing > 0 && n < MAX_LINES && (line = in.readLine()) != null; n++) {
        String[] f = fields(line);
        if (f == null) {
          continue;
        }
        String key = f[0] + " " + f[1];
        if (found.containsKey(key) && found.get(key) == null) {
          found.put(key, new Entry(Integer.parseInt(f[2]), Long.parseLong(f[3])));
          missing--;
        }
      }
    } catch (NumberFormatException e) {
      throw new IOException(file + ": unexpected line format", e);
    }
  }

  /**
   * Fields 1, 2, 7 and 9 of a line ({@code local_address rem_address uid inode}), or {@code null}
   * for a short line.
   */
  static String[] fields(String line) {
    String[] out = new String[4];
    int field = 0;
    int i = 0;
    int n = line.length();
    while (i < n) {
      while (i < n && line.charAt(i) == ' ') {
        i++;
      }
      int start = i;
      while (i < n && line.charAt(i) != ' ') {
        i++;
      }
      if (start == i) {
        break;
      }
      switch (field++) {
        case 1 -> out[0] = line.substring(start, i);
        case 2 -> out[1] = line.substring(start, i);
        case 7 -> out[2] = line.substring(start, i);
        case 9 -> {
          out[3] = line.substring(start, i);
          return out;
        }
        default -> {}
      }
    }
    return null;
  }
}
