package dev.tailgate.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** The package's one ObjectMapper, and tolerant readers for Go's JSON (nil slices are null). */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** A string field, or "" when absent or null (Go's zero value). */
  static String text(JsonNode object, String field) {
    JsonNode value = object.path(field);
    return value.isTextual() ? value.textValue() : "";
  }

  /** A list of strings, empty when absent or null (a nil slice in Go). */
  static List<String> texts(JsonNode object, String field) {
    JsonNode array = object.path(field);
    if (!array.isArray()) {
      return List.of();
    }
    List<String> out = new ArrayList<>(array.size());
    array.forEach(element -> out.add(element.asText()));
    return List.copyOf(out);
  }
}
