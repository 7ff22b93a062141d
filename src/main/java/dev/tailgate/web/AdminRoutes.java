package dev.tailgate.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What each path answers, as plain data (status, type, body), so it is tested without sockets.
 *
 * <pre>
 * GET /                 the status page (HTML; its script polls /api/status)
 * GET /app.js, /app.css its script and style, served from the jar
 * GET /api/status       the snapshot as JSON
 * GET /healthz          200 "ok" or 503 and the reason; ?format=json for JSON
 * GET /metrics          Prometheus text
 * GET /proxy.pac        the proxy auto-config file
 * </pre>
 */
public final class AdminRoutes {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** An answer. */
  public record Response(int status, String contentType, byte[] body) {
    static Response text(int status, String contentType, String body) {
      return new Response(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final StatusSnapshots status;
  private final Metrics metrics;
  private final Supplier<String> pac;
  private final Map<String, Response> assets;

  /**
   * @param pac the current PAC file (it changes when the MagicDNS suffix becomes known)
   */
  public AdminRoutes(StatusSnapshots status, Metrics metrics, Supplier<String> pac) {
    this.status = status;
    this.metrics = metrics;
    this.pac = pac;
    this.assets =
        Map.of(
            "/", asset("index.html", "text/html; charset=utf-8"),
            "/index.html", asset("index.html", "text/html; charset=utf-8"),
            "/app.js", asset("app.js", "text/javascript; charset=utf-8"),
            "/app.css", asset("app.css", "text/css; charset=utf-8"));
  }

  private static Response asset(String name, String type) {
    try (InputStream in = AdminRoutes.class.getResourceAsStream("/web/" + name)) {
      if (in == null) {
        throw new IllegalStateException("web/" + name + " is missing from the jar");
      }
      return new Response(200, type, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The answer for {@code path} (no query) with the query parameter {@code format}. */
  public Response route(String path, Optional<String> format) {
    Response asset = assets.get(path);
    if (asset != null) {
      return asset;
    }
    switch (path) {
      case "/api/status":
        return json(200, status.snapshot());
      case "/healthz":
        Health h = Health.of(status.snapshot());
        if (format.filter("json"::equals).isPresent()) {
          return json(h.ok() ? 200 : 503, h);
        }
        return Response.text(h.ok() ? 200 : 503, "text/plain; charset=utf-8", h.reason() + "\n");
      case "/metrics":
        return Response.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
      case "/proxy.pac":
        return Response.text(200, "application/x-ns-proxy-autoconfig", pac.get());
      default:
        return Response.text(404, "text/plain; charset=utf-8", "not found\n");
    }
  }

  private static Response json(int code, Object value) {
    try {
      return new Response(code, "application/json", JSON.writeValueAsBytes(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("status is not serializable", e);
    }
  }
}
