package dev.tailgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Diagnostics as logback.xml had them: standard error, one line per event, the same levels. */
class LogbackSetupTest {
  @Test
  void sendsOneLineEventsToStandardErrorWithNettyQuietAndTailgateAtInfo() {
    LoggerContext context = new LoggerContext();

    assertThat(new LogbackSetup().configure(context))
        .isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getLogger("dev.tailgate.bootstrap.Supervisor").isInfoEnabled()).isTrue();
    assertThat(context.getLogger("dev.tailgate.relay").isDebugEnabled()).isFalse();
    assertThat(context.getLogger("io.netty.channel").isInfoEnabled()).isFalse();
    assertThat(context.getLogger("org.other").isInfoEnabled()).isFalse();
    @SuppressWarnings("unchecked")
    ConsoleAppender<ILoggingEvent> stderr =
        (ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR");
    assertThat(stderr.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) stderr.getEncoder()).getPattern())
        .isEqualTo("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
  }

  @Test
  void isWhatLogbackFindsWithoutAnXmlFile() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    assertThat(getClass().getResource("/logback.xml")).isNull();
    assertThat(context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNotNull();
  }
}
