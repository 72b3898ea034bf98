package org.tdcm;

/** One parameter key of {@link Model#create(String)}. */
public final class ParameterInfo {
  private final String name;
  private final String type;
  private final String defaultValue;
  private final String range;
  private final String help;

  ParameterInfo(String name, String type, String defaultValue, String range, String help) {
    this.name = name;
    this.type = type;
    this.defaultValue = defaultValue;
    this.range = range;
    this.help = help;
  }

  /** The key, e.g. "k". */
  public String name() {
    return name;
  }

  /** "int", "float", "bool", "enum" or "string". */
  public String type() {
    return type;
  }

  /** The default, as text. */
  public String defaultValue() {
    return defaultValue;
  }

  /** Allowed values, e.g. "[2, 100000]" or "tdcm|kmeans". */
  public String range() {
    return range;
  }

  /** One-line description. */
  public String help() {
    return help;
  }

  @Override
  public String toString() {
    return name + "=" + defaultValue + " (" + type + ", " + range + "): " + help;
  }
}
