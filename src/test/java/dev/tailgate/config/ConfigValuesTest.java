package dev.tailgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {
  /** ConfigValues names its keys without reading annotations; Jackson reads the file with them. */
  @Test
  void eachSettingsKeyIsWhatItsJsonPropertySays() {
    assertThat(ConfigValues.VALUES).isNotEmpty();
    for (Field f : ConfigValues.VALUES) {
      JsonProperty property = f.getAnnotation(JsonProperty.class);
      assertThat(property).as(f.getName()).isNotNull();
      assertThat(ConfigValues.key(f)).as(f.getName()).isEqualTo(property.value());
    }
    assertThat(
            Arrays.stream(ConfigValues.class.getFields())
                .filter(f -> f.isAnnotationPresent(JsonProperty.class)))
        .containsExactlyElementsOf(ConfigValues.VALUES);
    assertThat(
            Arrays.stream(ConfigValues.class.getFields())
                .filter(f -> !ConfigValues.VALUES.contains(f))
                .filter(f -> !java.lang.reflect.Modifier.isStatic(f.getModifiers()))
                .allMatch(f -> f.isAnnotationPresent(JsonIgnore.class)))
        .isTrue();
  }
}
