package org.tdcm;

/**
 * Loads the JNI library, libtdcm_jni.so, which links libtdcm.so.
 *
 * <p>Where it is looked for, first match wins:
 *
 * <ol>
 *   <li>the system property {@value #PROPERTY}: the library's file path;
 *   <li>the environment variable {@value #ENV}: the library's file path;
 *   <li>{@code System.loadLibrary("tdcm_jni")}: the directories of {@code java.library.path}
 *       (on Debian that includes /usr/lib/x86_64-linux-gnu/jni and /usr/lib/x86_64-linux-gnu).
 * </ol>
 *
 * <p>libtdcm_jni.so finds libtdcm.so next to itself (its RUNPATH is $ORIGIN), then through
 * the usual dynamic-linker search (LD_LIBRARY_PATH, ld.so.conf).
 */
final class NativeLoader {
  static final String PROPERTY = "org.tdcm.jni.library";
  static final String ENV = "TDCM_JNI_LIBRARY";
  static final String NAME = "tdcm_jni";

  private NativeLoader() {}

  static void load() {
    String path = System.getProperty(PROPERTY);
    String from = "system property " + PROPERTY;
    if (path == null || path.isEmpty()) {
      path = System.getenv(ENV);
      from = "environment variable " + ENV;
    }
    if (path != null && !path.isEmpty()) {
      String absolute = new java.io.File(path).getAbsolutePath();
      try {
        System.load(absolute);
      } catch (UnsatisfiedLinkError e) {
        throw link("cannot load " + absolute + " (from the " + from + "): " + e.getMessage(), e);
      }
      return;
    }
    try {
      System.loadLibrary(NAME);
    } catch (UnsatisfiedLinkError e) {
      throw link(
          "cannot load lib" + NAME + ".so from java.library.path ("
              + System.getProperty("java.library.path") + "): " + e.getMessage()
              + "; set -D" + PROPERTY + "=/path/to/lib" + NAME + ".so, or " + ENV
              + ", or add its directory to -Djava.library.path",
          e);
    }
  }

  private static UnsatisfiedLinkError link(String message, UnsatisfiedLinkError cause) {
    UnsatisfiedLinkError error = new UnsatisfiedLinkError("libtdcm: " + message);
    error.initCause(cause);
    return error;
  }
}
