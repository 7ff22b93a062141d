package dev.tailgate.ansible;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Updates a file that exists: the body of each managed block is replaced with the new one, and
 * every line outside the blocks, the user's, stays as it was. A block whose markers are gone is
 * appended at the end (with its INI section line, if it had one). Lines come out with {@code \n}
 * endings and a final line break. Pure: text in, text out.
 */
public final class ManagedBlocks {
  private ManagedBlocks() {}

  /** A file whose markers cannot be paired; it is left alone. */
  public static final class BrokenMarkers extends Exception {
    BrokenMarkers(String message) {
      super(message);
    }
  }

  /**
   * @param existing the file's current text
   * @param generated what tailgate would write now
   * @return the text to write: equal to {@code existing} when nothing changed
   */
  public static String merge(String existing, ManagedFile generated) throws BrokenMarkers {
    Map<String, String> blocks = generated.blocks();
    Set<String> seen = new HashSet<>();
    StringBuilder out = new StringBuilder();
    List<String> lines = existing.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      String name = blockName(line.strip(), ManagedFile.BEGIN);
      if (name == null) {
        if (blockName(line.strip(), ManagedFile.END) != null) {
          throw new BrokenMarkers(
              "line " + (i + 1) + " ends a tailgate block that never began: fix or remove it");
        }
        out.append(line).append('\n');
        continue;
      }
      if (!blocks.containsKey(name) || !seen.add(name)) {
        throw new BrokenMarkers(
            "line "
                + (i + 1)
                + " begins a tailgate block '"
                + name
                + "' that "
                + (blocks.containsKey(name) ? "appears twice" : "tailgate does not write")
                + ": fix or remove it");
      }
      int end = i + 1;
      while (end < lines.size() && !lines.get(end).strip().equals(ManagedFile.end(name))) {
        end++;
      }
      if (end == lines.size()) {
        throw new BrokenMarkers(
            "the tailgate block begun on line " + (i + 1) + " never ends: fix or remove it");
      }
      out.append(line).append('\n').append(blocks.get(name)).append(lines.get(end)).append('\n');
      i = end;
    }
    for (Map.Entry<String, String> b : blocks.entrySet()) {
      if (!seen.contains(b.getKey())) {
        if (out.length() > 0) {
          out.append('\n');
        }
        out.append(generated.sectionBefore(b.getKey()))
            .append(ManagedFile.begin(b.getKey()))
            .append('\n')
            .append(b.getValue())
            .append(ManagedFile.end(b.getKey()))
            .append('\n');
      }
    }
    return out.toString();
  }

  /** The block name when {@code line} is the given marker, else null. */
  private static String blockName(String line, String marker) {
    if (line.equals(marker)) {
      return "";
    }
    return line.startsWith(marker + ": ") ? line.substring(marker.length() + 2).strip() : null;
  }
}
