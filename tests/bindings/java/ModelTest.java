package org.tdcm.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tdcm.Assignment;
import org.tdcm.Centroids;
import org.tdcm.ClusterReport;
import org.tdcm.DriftPair;
import org.tdcm.Metrics;
import org.tdcm.Model;
import org.tdcm.ParameterInfo;
import org.tdcm.Status;
import org.tdcm.Tdcm;
import org.tdcm.TdcmException;

/**
 * The Java binding against the installed library, on protocol P1 with k-means, and with the
 * default model (k = 3) for the per-cluster report and the centroids.
 */
class ModelTest {
  private static final String KMEANS = "k=5 algo=kmeans seed=1";
  private static DriftPair p1;
  private static DriftPair p3;

  @TempDir Path tmp;

  @BeforeAll
  static void makeData() {
    p1 = Tdcm.synthDrift(5, 2, 500, 0, 4.0, 0.5);
    p3 = Tdcm.synthDrift(3, 2, 200, 0, 4.0, 0.5);
  }

  private static Model fitted() {
    Model model = Model.create(KMEANS);
    model.fit(p1.sourceX(), p1.d());
    return model;
  }

  /** The library's defaults at k = 3, fitted on p3's source. */
  private static Model fittedDefault() {
    Model model = Model.create("k=3");
    model.fit(p3.sourceX(), p3.d());
    return model;
  }

  private static int[] counts(int[] labels, int k) {
    int[] counts = new int[k];
    for (int label : labels) ++counts[label];
    return counts;
  }

  private static Status statusOf(org.junit.jupiter.api.function.Executable call) {
    return assertThrows(TdcmException.class, call).status();
  }

  private static FloatBuffer direct(float[] values, int offset) {
    FloatBuffer buffer =
        ByteBuffer.allocateDirect((values.length + offset) * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    buffer.position(offset);
    buffer.put(values);
    buffer.position(offset);
    return buffer;
  }

  @Test
  void fitAndAssignOnP1MeetTheQualityFloor() {
    try (Model model = fitted()) {
      assertTrue(model.isFitted());
      assertEquals("kmeans", model.getAlgorithm());
      assertEquals(5, model.getK());
      assertEquals(2, model.getInputDim());
      int[] labels = model.assign(p1.targetX(), p1.d());
      assertEquals(p1.rows(), labels.length);
      for (int label : labels) assertTrue(label >= 0 && label < 5);
      Metrics target = Metrics.compute(p1.targetY(), labels);
      assertTrue(target.nmi() > 0.5, "target " + target);
      Metrics source = Metrics.compute(p1.sourceY(), model.assign(p1.sourceX(), p1.d()));
      assertTrue(source.nmi() > 0.8, "source " + source);
      double kept = Metrics.accKept(p1.sourceY(), model.assign(p1.sourceX(), p1.d()),
          p1.targetY(), labels);
      assertTrue(kept >= 0 && kept <= 1);
    }
  }

  @Test
  void probabilitiesAreRowsOfK() {
    try (Model model = fitted()) {
      Assignment a = model.assign(p1.targetX(), p1.d(), true);
      assertEquals(5, a.k());
      assertEquals(p1.rows() * 5, a.probabilities().length);
      for (int r = 0; r < p1.rows(); ++r) {
        double sum = 0;
        for (int c = 0; c < 5; ++c) sum += a.probabilities()[r * 5 + c];
        assertEquals(1.0, sum, 1e-4);
      }
      assertArrayEquals(model.assign(p1.targetX(), p1.d()), a.labels());
      assertNull(model.assign(p1.targetX(), p1.d(), false).probabilities());

      // Into caller-owned arrays of rows and rows x k entries, written in place.
      float[] x = p1.targetX().clone();
      int[] labels = new int[p1.rows()];
      float[] probs = new float[p1.rows() * 5];
      model.assign(x, p1.d(), labels, probs);
      assertArrayEquals(a.labels(), labels);
      assertArrayEquals(a.probabilities(), probs);
      assertArrayEquals(p1.targetX(), x, "the input is not written");
      // Longer arrays are fine: the entries past rows (rows x k) are left alone.
      int[] longer = new int[p1.rows() + 2];
      float[] longerProbs = new float[p1.rows() * 5 + 1];
      java.util.Arrays.fill(longer, -7);
      longerProbs[p1.rows() * 5] = -7;
      model.assign(x, p1.d(), longer, longerProbs);
      assertArrayEquals(labels, java.util.Arrays.copyOf(longer, p1.rows()));
      assertEquals(-7, longer[p1.rows()]);
      assertEquals(-7, longer[p1.rows() + 1]);
      assertArrayEquals(probs, java.util.Arrays.copyOf(longerProbs, p1.rows() * 5));
      assertEquals(-7, longerProbs[p1.rows() * 5]);
      // Predict writes in place the same way.
      model.adapt(x, p1.d());
      int[] predicted = new int[p1.rows()];
      float[] predictedProbs = new float[p1.rows() * 5];
      model.predict(x, p1.d(), predicted, predictedProbs);
      Assignment p = model.predict(x, p1.d(), true);
      assertArrayEquals(p.labels(), predicted);
      assertArrayEquals(p.probabilities(), predictedProbs);
      // Shorter ones are refused before the call.
      assertEquals(Status.INVALID_ARGUMENT,
          assertThrows(TdcmException.class,
                  () -> model.assign(x, p1.d(), new int[p1.rows() - 1], null))
              .status());
      assertEquals(Status.INVALID_ARGUMENT,
          assertThrows(TdcmException.class,
                  () -> model.assign(x, p1.d(), labels, new float[3]))
              .status());
      assertEquals(Status.INVALID_ARGUMENT,
          assertThrows(TdcmException.class,
                  () -> model.predict(x, p1.d(), labels, new float[p1.rows() * 5 - 1]))
              .status());
    }
  }

  @Test
  void directBuffersGiveTheSameLabelsAsArrays() {
    try (Model model = fitted()) {
      int[] expected = model.assign(p1.targetX(), p1.d());
      FloatBuffer x = direct(p1.targetX(), 3); // a position that is not 0
      assertArrayEquals(expected, model.assign(x, p1.d()));
      assertEquals(3, x.position(), "the input position is left alone");

      IntBuffer labels =
          ByteBuffer.allocateDirect(p1.rows() * Integer.BYTES)
              .order(ByteOrder.nativeOrder())
              .asIntBuffer();
      FloatBuffer probs =
          ByteBuffer.allocateDirect(p1.rows() * 5 * Float.BYTES)
              .order(ByteOrder.nativeOrder())
              .asFloatBuffer();
      model.assign(x, p1.d(), labels, probs);
      int[] got = new int[p1.rows()];
      labels.get(got);
      assertArrayEquals(expected, got);
      assertEquals(1.0, probs.get(0) + probs.get(1) + probs.get(2) + probs.get(3) + probs.get(4),
          1e-4);

      // Fit from a direct buffer too.
      try (Model other = Model.create(KMEANS)) {
        other.fit(direct(p1.sourceX(), 0), p1.d());
        assertArrayEquals(expected, other.assign(p1.targetX(), p1.d()));
      }
    }
  }

  @Test
  void adaptThenPredict() {
    try (Model model = fitted()) {
      TdcmException e =
          assertThrows(TdcmException.class, () -> model.predict(p1.targetX(), p1.d()));
      assertEquals(Status.NOT_ADAPTED, e.status());
      assertFalse(model.isAdapted());
      model.adapt(p1.targetX(), p1.d());
      assertTrue(model.isAdapted());
      int[] labels = model.predict(p1.targetX(), p1.d());
      assertTrue(Metrics.compute(p1.targetY(), labels).nmi() > 0.5);
      // Rows are independent: one row at a time gives the same labels.
      float[] row = {p1.targetX()[0], p1.targetX()[1]};
      assertEquals(labels[0], model.predict(row, 2)[0]);
      assertArrayEquals(labels, model.predict(direct(p1.targetX(), 0), p1.d()));
    }
  }

  @Test
  void everyLibraryErrorIsATdcmExceptionWithTheMessage() {
    TdcmException unknown = assertThrows(TdcmException.class, () -> Model.create("nope=1"));
    assertEquals(Status.UNKNOWN_PARAMETER, unknown.status());
    assertEquals(Status.UNKNOWN_PARAMETER.code(), unknown.code());
    assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
    assertTrue(unknown.toString().contains("UNKNOWN_PARAMETER"), unknown.toString());

    TdcmException bad = assertThrows(TdcmException.class, () -> Model.create("k=0"));
    assertEquals(Status.BAD_PARAMETER, bad.status());
    assertTrue(bad.getMessage().contains("'k'"), bad.getMessage());

    try (Model model = Model.create(KMEANS)) {
      TdcmException notFitted =
          assertThrows(TdcmException.class, () -> model.assign(p1.targetX(), p1.d()));
      assertEquals(Status.NOT_FITTED, notFitted.status());
      assertFalse(notFitted.getMessage().isEmpty());
      assertEquals(Status.NOT_FITTED,
          assertThrows(TdcmException.class, () -> model.save(tmp.resolve("m").toString()))
              .status());

      model.fit(p1.sourceX(), p1.d());
      TdcmException shape =
          assertThrows(TdcmException.class, () -> model.assign(new float[] {1, 2, 3}, 3));
      assertEquals(Status.SHAPE, shape.status());

      float[] nan = p1.targetX().clone();
      nan[7] = Float.NaN;
      TdcmException nonFinite =
          assertThrows(TdcmException.class, () -> model.assign(nan, p1.d()));
      assertEquals(Status.NON_FINITE, nonFinite.status());
      assertTrue(nonFinite.getMessage().contains("row 3"), nonFinite.getMessage());

      // Refused by the binding before the call, with the same exception type.
      assertEquals(Status.INVALID_ARGUMENT,
          assertThrows(TdcmException.class, () -> model.assign(new float[] {1, 2, 3}, 2))
              .status());
      assertEquals(Status.INVALID_ARGUMENT,
          assertThrows(TdcmException.class, () -> model.assign(p1.targetX(), 0)).status());
      assertEquals(Status.INVALID_ARGUMENT,
          assertThrows(TdcmException.class,
                  () -> model.assign(FloatBuffer.wrap(p1.targetX()), p1.d()))
              .status());
      FloatBuffer bigEndian =
          ByteBuffer.allocateDirect(8).order(ByteOrder.BIG_ENDIAN).asFloatBuffer();
      if (ByteOrder.nativeOrder() != ByteOrder.BIG_ENDIAN) {
        assertEquals(Status.INVALID_ARGUMENT,
            assertThrows(TdcmException.class, () -> model.assign(bigEndian, 2)).status());
      }
      // A null array is the library's NULL_ARGUMENT.
      assertEquals(Status.NULL_ARGUMENT,
          assertThrows(TdcmException.class, () -> model.assign((float[]) null, 2)).status());
    }

    TdcmException io = assertThrows(TdcmException.class,
        () -> Model.load(tmp.resolve("missing.tdcm").toString()));
    assertEquals(Status.IO, io.status());
    assertTrue(io.getMessage().contains("missing.tdcm"), io.getMessage());

    assertEquals(Status.INVALID_ARGUMENT,
        assertThrows(TdcmException.class, () -> Metrics.compute(new int[] {0, 1}, new int[] {0}))
            .status());
    assertEquals(Status.INVALID_ARGUMENT,
        assertThrows(TdcmException.class, () -> Model.create("k=5\0algo=kmeans")).status());
  }

  @Test
  void aCorruptFileIsBadFile() throws Exception {
    Path garbage = tmp.resolve("garbage.tdcm");
    Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
    TdcmException e =
        assertThrows(TdcmException.class, () -> Model.load(garbage.toString()));
    assertEquals(Status.BAD_FILE, e.status());
  }

  @Test
  void saveAndLoadRoundTrip() {
    // A non-ASCII file name: paths cross as UTF-8 whatever the JVM's locale.
    // Joined as a string: java.nio cannot encode it under the POSIX locale.
    String path = tmp.toString() + "/modèle-ü.tdcm";
    try (Model model = fitted()) {
      int[] expected = model.assign(p1.targetX(), p1.d());
      model.save(path);
      try (Model loaded = Model.load(path)) {
        assertTrue(loaded.isFitted());
        assertEquals(model.getK(), loaded.getK());
        assertEquals(model.getInputDim(), loaded.getInputDim());
        assertEquals(model.getAlgorithm(), loaded.getAlgorithm());
        assertTrue(loaded.getParams().startsWith("algo=kmeans k=5 "), loaded.getParams());
        assertEquals("cpu", loaded.getDevice());
        assertArrayEquals(expected, loaded.assign(p1.targetX(), p1.d()));
      }
      try (Model loaded = Model.load(path, "threads=1")) {
        assertTrue(loaded.getParams().contains("threads=1"), loaded.getParams());
        assertArrayEquals(expected, loaded.assign(p1.targetX(), p1.d()));
      }
    }
  }

  @Test
  void closeTwiceIsSafeAndUseAfterCloseIsAnError() {
    Model model = fitted();
    assertFalse(model.isClosed());
    model.close();
    model.close();
    assertTrue(model.isClosed());
    assertThrows(IllegalStateException.class, () -> model.assign(p1.targetX(), p1.d()));
    assertThrows(IllegalStateException.class, () -> model.fit(p1.sourceX(), p1.d()));
    assertThrows(IllegalStateException.class, model::getK);
    assertThrows(IllegalStateException.class, () -> model.save(tmp.resolve("m").toString()));
  }

  @Test
  void threadsAssigningOnOneModelGetTheLabelsOfOneThread() throws Exception {
    try (Model model = fitted()) {
      int[] expected = model.assign(p1.targetX(), p1.d());
      FloatBuffer x = direct(p1.targetX(), 0);
      int threads = 8;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch start = new CountDownLatch(1);
      try {
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < threads; ++t) {
          final boolean useBuffer = t % 2 == 1;
          results.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 10; ++i) {
              int[] got = useBuffer ? model.assign(x.duplicate(), p1.d())
                                    : model.assign(p1.targetX(), p1.d());
              if (!java.util.Arrays.equals(expected, got)) return false;
            }
            return true;
          }));
        }
        start.countDown();
        for (Future<Boolean> r : results) assertTrue(r.get());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void closeWhileOtherThreadsAssignIsSafe() throws Exception {
    // close() racing calls: each call either completes with the right labels or sees a closed
    // model; close() waits for the calls in progress, so none runs on a freed handle.
    Model model = fitted();
    int[] expected = model.assign(p1.targetX(), p1.d());
    FloatBuffer x = direct(p1.targetX(), 0);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch started = new CountDownLatch(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 4; ++t) {
        final boolean useBuffer = t % 2 == 1;
        results.add(pool.submit(() -> {
          started.countDown();
          int completed = 0;
          for (int i = 0; i < 1000; ++i) {
            int[] got;
            try {
              got = useBuffer ? model.assign(x.duplicate(), p1.d())
                              : model.assign(p1.targetX(), p1.d());
            } catch (IllegalStateException closed) {
              return completed;
            }
            if (!java.util.Arrays.equals(expected, got)) return -1;
            ++completed;
          }
          return completed;
        }));
      }
      started.await();
      Thread.sleep(20);
      model.close();
      assertTrue(model.isClosed());
      for (Future<Integer> r : results) assertTrue(r.get() >= 0, "wrong labels before close");
      assertThrows(IllegalStateException.class, () -> model.assign(p1.targetX(), p1.d()));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void assigningFromArraysWhileOtherThreadsCollectGarbageStaysCorrect() throws Exception {
    // assign and predict on a float[] hold a JNI critical section: collections that other
    // threads trigger meanwhile wait for it, and neither side crashes nor corrupts the other.
    try (Model model = fitted()) {
      model.adapt(p1.targetX(), p1.d());
      int[] expected = model.assign(p1.targetX(), p1.d());
      int[] expectedPredicted = model.predict(p1.targetX(), p1.d());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      java.util.concurrent.atomic.AtomicBoolean stop =
          new java.util.concurrent.atomic.AtomicBoolean();
      try {
        List<Future<Long>> garbage = new ArrayList<>();
        for (int t = 0; t < 2; ++t) {
          garbage.add(pool.submit(() -> {
            long allocated = 0;
            while (!stop.get()) {
              byte[] chunk = new byte[1 << 16];
              chunk[chunk.length - 1] = 1;
              allocated += chunk.length;
              if (allocated % (64L << 20) == 0) System.gc();
            }
            return allocated;
          }));
        }
        List<Future<Boolean>> results = new ArrayList<>();
        for (int t = 0; t < 2; ++t) {
          final boolean predict = t == 1;
          results.add(pool.submit(() -> {
            for (int i = 0; i < 50; ++i) {
              float[] x = p1.targetX().clone(); // a fresh array, so the heap keeps moving
              int[] labels = new int[p1.rows()];
              if (predict) {
                model.predict(x, p1.d(), labels, null);
                if (!java.util.Arrays.equals(expectedPredicted, labels)) return false;
              } else {
                model.assign(x, p1.d(), labels, null);
                if (!java.util.Arrays.equals(expected, labels)) return false;
              }
            }
            return true;
          }));
        }
        for (Future<Boolean> r : results) assertTrue(r.get());
        stop.set(true);
        for (Future<Long> g : garbage) assertTrue(g.get() > 0);
      } finally {
        stop.set(true);
        pool.shutdownNow();
      }
    }
  }

  @Test
  void errorMessagesStayWithTheirThread() throws Exception {
    // Two threads failing differently at once: each exception carries its own message.
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Boolean> unknown = pool.submit(() -> {
        for (int i = 0; i < 200; ++i) {
          try {
            Model.create("bogus_key=1").close();
            return false;
          } catch (TdcmException e) {
            if (e.status() != Status.UNKNOWN_PARAMETER || !e.getMessage().contains("bogus_key")) {
              return false;
            }
          }
        }
        return true;
      });
      Future<Boolean> bad = pool.submit(() -> {
        for (int i = 0; i < 200; ++i) {
          try {
            Model.create("k=-3").close();
            return false;
          } catch (TdcmException e) {
            if (e.status() != Status.BAD_PARAMETER || !e.getMessage().contains("-3")) return false;
          }
        }
        return true;
      });
      assertTrue(unknown.get());
      assertTrue(bad.get());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void libraryFacts() {
    assertTrue(Tdcm.version().matches("\\d+\\.\\d+\\.\\d+"), Tdcm.version());
    List<ParameterInfo> params = Tdcm.parameters();
    assertTrue(params.stream().anyMatch(p -> p.name().equals("k") && p.type().equals("int")));
    assertTrue(params.stream().anyMatch(p -> p.name().equals("algo")
        && p.range().contains("kmeans") && p.range().contains("gmm")));
    try (Model model = Model.create()) {
      assertFalse(model.isFitted());
      assertEquals("tdcm", model.getAlgorithm());
      assertTrue(model.getParams().contains("k=5"), model.getParams());
    }
  }

  // ---- The per-cluster report ---------------------------------------------------------

  @Test
  void assignReportDescribesEveryClusterOfTheTarget() {
    try (Model model = fittedDefault()) {
      Assignment a = model.assignReport(p3.targetX(), p3.d(), true);
      assertArrayEquals(model.assign(p3.targetX(), p3.d()), a.labels());
      assertEquals(p3.rows() * 3, a.probabilities().length);
      ClusterReport[] report = a.report();
      assertEquals(3, report.length);
      int[] targetCounts = counts(a.labels(), 3);
      long sourceRows = 0;
      for (int j = 0; j < 3; ++j) {
        ClusterReport r = report[j];
        assertEquals(j, r.cluster(), r.toString());
        // The defaults keep the source's numbering: label j continues source cluster j.
        assertEquals(j, r.sourceCluster(), r.toString());
        assertEquals(targetCounts[j], r.targetSize(), r.toString());
        sourceRows += r.sourceSize();
        assertTrue(r.confidence() >= 0 && r.confidence() <= 1, r.toString());
        assertTrue(r.shift() >= 0, r.toString());
        // The flags say what the numbers say (tdcm.h), decoded from the C bits 1, 2, 4.
        assertEquals(r.confidence() < 0.5, r.unmatched(), r.toString());
        assertEquals(r.shift() > 3, r.movedFar(), r.toString());
        assertEquals(2 * r.targetSize() < r.sourceSize(), r.shrank(), r.toString());
        assertEquals((r.unmatched() ? 1 : 0) | (r.movedFar() ? 2 : 0) | (r.shrank() ? 4 : 0),
            r.flags(), r.toString());
      }
      assertEquals(p3.rows(), sourceRows);
      assertTrue(Arrays.stream(report).anyMatch(ClusterReport::movedFar),
          "this drift moves a cluster far: " + Arrays.toString(report));
      assertNull(model.assignReport(p3.targetX(), p3.d()).probabilities());
    }
  }

  @Test
  void assignReportFromBuffersAndIntoCallerArraysGivesTheSameReport() {
    try (Model model = fittedDefault()) {
      Assignment a = model.assignReport(p3.targetX(), p3.d(), true);
      Assignment b = model.assignReport(direct(p3.targetX(), 1), p3.d(), true);
      assertArrayEquals(a.labels(), b.labels());
      assertArrayEquals(a.probabilities(), b.probabilities());
      assertArrayEquals(a.report(), b.report());
      assertArrayEquals(a.report(), model.assignReport(direct(p3.targetX(), 0), p3.d()).report());

      int[] labels = new int[p3.rows()];
      float[] probs = new float[p3.rows() * 3];
      assertArrayEquals(a.report(), model.assignReport(p3.targetX(), p3.d(), labels, probs));
      assertArrayEquals(a.labels(), labels);
      assertArrayEquals(a.probabilities(), probs);

      IntBuffer labelBuffer =
          ByteBuffer.allocateDirect(p3.rows() * Integer.BYTES)
              .order(ByteOrder.nativeOrder())
              .asIntBuffer();
      assertArrayEquals(a.report(),
          model.assignReport(direct(p3.targetX(), 0), p3.d(), labelBuffer, null));
      int[] got = new int[p3.rows()];
      labelBuffer.get(got);
      assertArrayEquals(a.labels(), got);

      assertEquals(Status.INVALID_ARGUMENT,
          statusOf(() -> model.assignReport(p3.targetX(), p3.d(), new int[3], null)));
    }
  }

  @Test
  void getReportAfterAdaptIsTheReportOfThatSet() {
    try (Model model = fittedDefault()) {
      assertEquals(Status.NOT_ADAPTED, statusOf(model::getReport));
      model.adapt(p3.targetX(), p3.d());
      ClusterReport[] adapted = model.getReport();
      assertEquals(3, adapted.length);
      assertArrayEquals(model.assignReport(p3.targetX(), p3.d()).report(), adapted);
    }
    try (Model unfitted = Model.create("k=3")) {
      assertEquals(Status.NOT_FITTED, statusOf(unfitted::getReport));
      assertEquals(Status.NOT_FITTED,
          statusOf(() -> unfitted.assignReport(p3.targetX(), p3.d())));
    }
  }

  @Test
  void aModelFittedOnACollectionHasNoSourceClustersToReportAgainst() {
    long[] setIds = new long[p3.rows()];
    for (int i = 0; i < setIds.length; ++i) setIds[i] = i % 2;
    try (Model model = Model.create("k=3")) {
      model.fit(p3.sourceX(), p3.d(), setIds);
      assertEquals(Status.INVALID_ARGUMENT,
          statusOf(() -> model.assignReport(p3.targetX(), p3.d())));
      assertEquals(Status.INVALID_ARGUMENT, statusOf(() -> model.getCentroids(Centroids.SOURCE)));
    }
  }

  // ---- Centroids in and out -----------------------------------------------------------

  @Test
  void sourceCentroidsAreTheClusterMeansInInputSpaceAndGoBackIn() {
    try (Model model = fittedDefault(); Model kmeans = Model.create("algo=kmeans k=3")) {
      assertEquals(2, model.getCentroidDim());
      assertTrue(model.centroidsInInputSpace());
      float[] source = model.getCentroids(Centroids.SOURCE);
      assertEquals(3 * 2, source.length);
      // Row j is (close to) the mean of the source rows labelled j.
      int[] labels = model.assign(p3.sourceX(), p3.d());
      int[] counts = counts(labels, 3);
      double[] means = new double[6];
      for (int i = 0; i < labels.length; ++i) {
        for (int c = 0; c < 2; ++c) means[labels[i] * 2 + c] += p3.sourceX()[i * 2 + c];
      }
      for (int v = 0; v < 6; ++v) {
        assertEquals(means[v] / counts[v / 2], source[v], 0.1, "centroid value " + v);
      }

      assertEquals(Status.NOT_ADAPTED, statusOf(() -> model.getCentroids(Centroids.ADAPTED)));
      model.adapt(p3.targetX(), p3.d());
      float[] adapted = model.getCentroids(Centroids.ADAPTED);
      assertEquals(3 * 2, adapted.length);
      assertFalse(Arrays.equals(source, adapted), "the target drifted");
      assertArrayEquals(source, model.getCentroids(Centroids.SOURCE));

      kmeans.setCentroids(source, 2);
      assertTrue(kmeans.isFitted());
      assertArrayEquals(source, kmeans.getCentroids(Centroids.SOURCE));
    }
    try (Model unfitted = Model.create("k=3")) {
      assertEquals(Status.NOT_FITTED, statusOf(unfitted::getCentroidDim));
      assertEquals(Status.NOT_FITTED, statusOf(() -> unfitted.getCentroids(Centroids.SOURCE)));
      assertEquals(Status.NULL_ARGUMENT, statusOf(() -> unfitted.getCentroids(null)));
    }
  }

  @Test
  void setCentroidsStartsAKMeansModelThatLabelsEachRowByTheNearest() {
    float[] given = {-6, 0, 0, 6, 6, -2};
    try (Model model = Model.create("algo=kmeans k=3")) {
      assertFalse(model.isFitted());
      model.setCentroids(given, 2);
      assertTrue(model.isFitted());
      assertEquals(2, model.getInputDim());
      assertArrayEquals(given, model.getCentroids(Centroids.SOURCE));
      int[] labels = model.assign(p3.targetX(), p3.d());
      for (int i = 0; i < labels.length; ++i) {
        int nearest = 0;
        double best = Double.MAX_VALUE;
        for (int j = 0; j < 3; ++j) {
          double dx = p3.targetX()[i * 2] - given[j * 2];
          double dy = p3.targetX()[i * 2 + 1] - given[j * 2 + 1];
          if (dx * dx + dy * dy < best) {
            best = dx * dx + dy * dy;
            nearest = j;
          }
        }
        assertEquals(nearest, labels[i], "row " + i);
      }

      // Not k rows: the library's SHAPE; not whole rows: refused by the binding.
      assertEquals(Status.SHAPE, statusOf(() -> model.setCentroids(new float[4], 2)));
      assertEquals(Status.INVALID_ARGUMENT, statusOf(() -> model.setCentroids(new float[5], 2)));
      float[] nan = given.clone();
      nan[3] = Float.NaN;
      assertEquals(Status.NON_FINITE, statusOf(() -> model.setCentroids(nan, 2)));
      assertArrayEquals(given, model.getCentroids(Centroids.SOURCE), "failures change nothing");
    }
    try (Model gmm = Model.create("algo=gmm k=3")) {
      assertEquals(Status.INVALID_ARGUMENT, statusOf(() -> gmm.setCentroids(given, 2)));
      assertFalse(gmm.isFitted());
    }
  }

  @Test
  void aGaussianMixtureReportsAndGivesItsMeans() {
    try (Model gmm = Model.create("algo=gmm k=3")) {
      gmm.fit(p3.sourceX(), p3.d());
      assertEquals("gmm", gmm.getAlgorithm());
      assertTrue(gmm.centroidsInInputSpace());
      assertEquals(3 * 2, gmm.getCentroids(Centroids.SOURCE).length);
      Assignment a = gmm.assignReport(p3.targetX(), p3.d(), true);
      assertTrue(Metrics.compute(p3.targetY(), a.labels()).nmi() > 0.9);
      assertEquals(p3.rows(), Arrays.stream(a.report()).mapToLong(ClusterReport::targetSize).sum());
    }
  }

  // ---- Calibration --------------------------------------------------------------------

  @Test
  void calibrationOfKnownProbabilities() {
    // On the source, cluster 0 is label 1 and cluster 1 label 0: the map swaps them.
    int[] sourceTruth = {1, 0};
    int[] sourcePredicted = {0, 1};
    int[] targetTruth = {1, 1, 0, 0};
    float[] probs = {0.9f, 0.1f, 0.9f, 0.1f, 0.9f, 0.1f, 0.1f, 0.9f};
    Metrics.Calibration c =
        Metrics.calibration(sourceTruth, sourcePredicted, targetTruth, probs, 2);
    // Every top probability is 0.9 (one bin) and 3 of the 4 are right.
    assertEquals(0.15, c.ece(), 1e-6);
    // The true label gets 0.9, 0.9, 0.1, 0.9.
    assertEquals((-3 * Math.log(0.9) - Math.log(0.1)) / 4, c.logLoss(), 1e-6);

    assertEquals(Status.INVALID_ARGUMENT,
        statusOf(() -> Metrics.calibration(sourceTruth, sourcePredicted, targetTruth,
            Arrays.copyOf(probs, 7), 2)));
    assertEquals(Status.INVALID_ARGUMENT,
        statusOf(() -> Metrics.calibration(sourceTruth, sourcePredicted,
            new int[] {1, 1, 0, -1}, probs, 2)));
  }

  @Test
  void calibrationOfTheDefaultModelsProbabilities() {
    try (Model model = fittedDefault()) {
      int[] source = model.assign(p3.sourceX(), p3.d());
      Assignment target = model.assignReport(p3.targetX(), p3.d(), true);
      Metrics.Calibration c = Metrics.calibration(
          p3.sourceY(), source, p3.targetY(), target.probabilities(), target.k());
      assertTrue(c.ece() >= 0 && c.ece() <= 0.1, c.toString());
      assertTrue(c.logLoss() >= 0 && c.logLoss() < 1, c.toString());
    }
  }
}
