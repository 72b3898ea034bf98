package org.tdcm;

import java.nio.charset.StandardCharsets;

/** Java strings to the NUL-terminated UTF-8 the C API reads. */
final class Utf8 {
  private Utf8() {}

  static byte[] encode(String text) {
    if (text == null) return null;
    if (text.indexOf('\0') >= 0) {
      throw new TdcmException(Status.INVALID_ARGUMENT, "string holds a NUL character: " + text);
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    byte[] terminated = new byte[utf8.length + 1];
    System.arraycopy(utf8, 0, terminated, 0, utf8.length);
    return terminated;
  }
}
