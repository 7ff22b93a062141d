package dev.tailgate.gateway;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

/**
 * SIGHUP for {@code tailgate up}'s reload. The JDK's only handler API is {@code sun.misc.Signal}
 * (module jdk.unsupported, there since Java 1.2 and kept for this use); javac warns about it on
 * every use, and the build turns warnings into errors, so it is reached by reflection here, in one
 * place.
 */
final class Signals {
  private Signals() {}

  /**
   * Runs {@code action} on each SIGHUP, on the JVM's signal thread (so it should only hand the work
   * on). Replaces the JVM's own SIGHUP behaviour, which is to exit.
   *
   * @return false when this JVM cannot (no {@code sun.misc.Signal}, or it was started with -Xrs)
   */
  static boolean onHangup(Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      InvocationHandler onCall =
          (proxy, method, args) ->
              switch (method.getName()) {
                case "handle" -> {
                  action.run();
                  yield null;
                }
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                default -> "tailgate SIGHUP handler";
              };
      Object proxy =
          Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, onCall);
      Object hup = signal.getConstructor(String.class).newInstance("HUP");
      signal.getMethod("handle", signal, handler).invoke(null, hup, proxy);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
