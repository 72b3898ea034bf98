package org.tdcm;

import java.nio.charset.StandardCharsets;

/**
 * A failed libtdcm call: the C API's status code and its message (tdcm_last_error() of the
 * failing thread).
 */
public class TdcmException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;

  /** Thrown by the JNI layer: the status code and the library's UTF-8 message. */
  TdcmException(int code, byte[] utf8Message) {
    super(new String(utf8Message, StandardCharsets.UTF_8));
    this.code = code;
  }

  /** Thrown by the Java layer for an argument it refuses before calling the library. */
  TdcmException(Status status, String message) {
    super(message);
    this.code = status.code();
  }

  /** The status; null only for a code newer than this binding. */
  public Status status() {
    return Status.fromCode(code);
  }

  /** The numeric status code, as the C API returned it. */
  public int code() {
    return code;
  }

  @Override
  public String toString() {
    Status status = status();
    String name = status != null ? status.name() : "status " + code;
    return getClass().getName() + ": " + name + ": " + getMessage();
  }
}
