package dev.tailgate.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random damage to valid inputs, and random splits of an input across reads. */
public final class Mutations {
  private Mutations() {}

  /** {@code length} random bytes. */
  public static byte[] bytes(Random random, int length) {
    byte[] out = new byte[length];
    random.nextBytes(out);
    return out;
  }

  /**
   * {@code valid} with one to four edits: a bit flipped, a byte replaced, bytes inserted, deleted
   * or duplicated, or the tail cut off. Sometimes (one in five) it is returned whole.
   */
  public static byte[] mutate(Random random, byte[] valid) {
    if (random.nextInt(5) == 0) {
      return valid.clone();
    }
    byte[] out = valid.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits; e++) {
      out = edit(random, out);
    }
    return out;
  }

  private static byte[] edit(Random random, byte[] in) {
    int at = in.length == 0 ? 0 : random.nextInt(in.length);
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 8);
    switch (random.nextInt(6)) {
      case 0 -> {
        byte[] copy = in.clone();
        if (copy.length > 0) {
          copy[at] ^= (byte) (1 << random.nextInt(8));
        }
        return copy;
      }
      case 1 -> {
        byte[] copy = in.clone();
        if (copy.length > 0) {
          copy[at] = interesting(random);
        }
        return copy;
      }
      case 2 -> {
        out.write(in, 0, at);
        int n = 1 + random.nextInt(8);
        for (int i = 0; i < n; i++) {
          out.write(interesting(random));
        }
        out.write(in, at, in.length - at);
      }
      case 3 -> {
        int n = Math.min(in.length - at, 1 + random.nextInt(8));
        out.write(in, 0, at);
        out.write(in, at + n, in.length - at - n);
      }
      case 4 -> {
        int n = Math.min(in.length - at, 1 + random.nextInt(16));
        out.write(in, 0, at + n);
        out.write(in, at, in.length - at);
      }
      default -> out.write(in, 0, at);
    }
    return out.toByteArray();
  }

  /** A random byte, biased to the ones parsers care about: 0, 0xff, lengths, CR, LF, ':'. */
  private static byte interesting(Random random) {
    byte[] special = {0, 1, 3, 4, 5, (byte) 0xff, (byte) 0x7f, (byte) 0x80, '\r', '\n', ':', ' '};
    return random.nextBoolean() ? special[random.nextInt(special.length)] : (byte) random.nextInt();
  }

  /** {@code input} split into one to eight non-empty chunks at random places, in order. */
  public static List<byte[]> chunks(Random random, byte[] input) {
    List<byte[]> out = new ArrayList<>();
    int pieces = 1 + random.nextInt(8);
    int at = 0;
    for (int i = 0; i < pieces - 1 && at < input.length; i++) {
      int n = 1 + random.nextInt(Math.max(1, (input.length - at) / 2 + 1));
      n = Math.min(n, input.length - at);
      byte[] chunk = new byte[n];
      System.arraycopy(input, at, chunk, 0, n);
      out.add(chunk);
      at += n;
    }
    if (at < input.length) {
      byte[] rest = new byte[input.length - at];
      System.arraycopy(input, at, rest, 0, rest.length);
      out.add(rest);
    }
    return out;
  }
}
