package org.tdcm.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdcm.DriftPair;
import org.tdcm.Model;
import org.tdcm.Status;
import org.tdcm.Tdcm;
import org.tdcm.TdcmException;

/**
 * Model bytes ({@code byte[] save()}, {@code Model.load(byte[])}) as a JVM pipeline uses them:
 * the file's bytes, loaded by many threads at once and by a second JVM, each assigning the
 * labels of the model that wrote them.
 */
class ModelBytesTest {
  private static DriftPair p1;

  @TempDir Path tmp;

  @BeforeAll
  static void makeData() {
    // ModelBytesChild regenerates this set: the same call, the same rows.
    p1 = Tdcm.synthDrift(5, 2, 500, 0, 4.0, 0.5);
  }

  /** On the CPU: a model loads there, so its parameters and bytes come back as they went. */
  private static Model fitted() {
    Model model = Model.create("k=5 algo=kmeans seed=1 device=cpu");
    model.fit(p1.sourceX(), p1.d());
    return model;
  }

  @Test
  void bytesAreTheFileBytesAndLoadToTheSameLabels() throws Exception {
    try (Model model = fitted()) {
      byte[] bytes = model.save();
      Path file = tmp.resolve("m.tdcm");
      model.save(file.toString());
      assertArrayEquals(Files.readAllBytes(file), bytes);
      int[] expected = model.assign(p1.targetX(), p1.d());
      try (Model loaded = Model.load(bytes)) {
        assertEquals(model.getParams(), loaded.getParams());
        assertArrayEquals(expected, loaded.assign(p1.targetX(), p1.d()));
        assertArrayEquals(bytes, loaded.save());
      }
      try (Model loaded = Model.load(bytes, "threads=1")) {
        assertTrue(loaded.getParams().contains("threads=1"), loaded.getParams());
        assertArrayEquals(expected, loaded.assign(p1.targetX(), p1.d()));
      }
    }
  }

  @Test
  void hostileBytesAreBadFile() {
    byte[] bytes;
    try (Model model = fitted()) {
      bytes = model.save();
    }
    byte[] flipped = bytes.clone();
    flipped[bytes.length / 2] ^= 0x10;
    for (byte[] bad :
        new byte[][] {
          new byte[0], Arrays.copyOf(bytes, bytes.length / 2), Arrays.copyOf(bytes, bytes.length - 1),
          Arrays.copyOf(bytes, bytes.length + 1), flipped
        }) {
      TdcmException e = assertThrows(TdcmException.class, () -> Model.load(bad));
      assertEquals(Status.BAD_FILE, e.status(), e.getMessage());
    }
    assertEquals(
        Status.NULL_ARGUMENT,
        assertThrows(TdcmException.class, () -> Model.load((byte[]) null)).status());
    try (Model unfitted = Model.create("k=3")) {
      assertEquals(
          Status.NOT_FITTED, assertThrows(TdcmException.class, unfitted::save).status());
    }
  }

  @Test
  void threadsLoadingTheSameBytesAssignIdentically() throws Exception {
    byte[] bytes;
    int[] expected;
    try (Model model = fitted()) {
      bytes = model.save();
      expected = model.assign(p1.targetX(), p1.d());
    }
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<int[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; ++t) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  try (Model loaded = Model.load(bytes)) {
                    return loaded.assign(p1.targetX(), p1.d());
                  }
                }));
      }
      start.countDown();
      for (Future<int[]> r : results) assertArrayEquals(expected, r.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSecondJvmLoadingTheBytesAssignsIdentically() throws Exception {
    Path bytesFile = tmp.resolve("model.bytes");
    Path labelsFile = tmp.resolve("labels.txt");
    int[] expected;
    try (Model model = fitted()) {
      Files.write(bytesFile, model.save());
      expected = model.assign(p1.targetX(), p1.d());
    }
    // The child's class path: where this JVM found the binding and these tests (the JUnit
    // launcher loads them from its own class path option, not java.class.path).
    String classPath =
        locationOf(Model.class) + File.pathSeparator + locationOf(ModelBytesChild.class);
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Djava.library.path=" + System.getProperty("java.library.path"));
    String jni = System.getProperty("org.tdcm.jni.library");
    if (jni != null) command.add("-Dorg.tdcm.jni.library=" + jni);
    command.addAll(
        Arrays.asList(
            "-cp", classPath, ModelBytesChild.class.getName(), bytesFile.toString(),
            labelsFile.toString()));
    Process child =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(
            tmp.resolve("child.log").toFile()).start();
    assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the second JVM did not finish");
    assertEquals(
        0, child.exitValue(), "second JVM: " + Files.readString(tmp.resolve("child.log")));
    int[] got =
        Files.readAllLines(labelsFile).stream().mapToInt(Integer::parseInt).toArray();
    assertArrayEquals(expected, got);
  }

  private static String locationOf(Class<?> cls) throws Exception {
    return Paths.get(cls.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
