package org.tdcm.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tdcm.DriftPair;
import org.tdcm.Metrics;
import org.tdcm.Model;
import org.tdcm.Progress;
import org.tdcm.Status;
import org.tdcm.Tdcm;
import org.tdcm.TdcmException;

/**
 * Model.fitLabelled: a collection of six P1 source sets (seeds 1000..1005, k = 3) with each
 * row's cluster, fitted as a family; an unseen P1 target set to assign.
 */
class LabelledFitTest {
  private static final String FAMILY = "k=3 collection=family threads=1";
  private static final int SETS = 6;
  private static float[] x;
  private static long[] setIds;
  private static int[] labels;
  private static DriftPair unseen;
  private static int d;

  @BeforeAll
  static void makeCollection() {
    List<DriftPair> sets = new ArrayList<>();
    for (int s = 0; s < SETS; ++s) sets.add(Tdcm.synthDrift(3, 2, 200, 1000 + s, 4.0, 0.5));
    d = sets.get(0).d();
    int rows = sets.get(0).rows();
    x = new float[SETS * rows * d];
    setIds = new long[SETS * rows];
    labels = new int[SETS * rows];
    for (int s = 0; s < SETS; ++s) {
      System.arraycopy(sets.get(s).sourceX(), 0, x, s * rows * d, rows * d);
      System.arraycopy(sets.get(s).sourceY(), 0, labels, s * rows, rows);
      Arrays.fill(setIds, s * rows, (s + 1) * rows, 1000 + s);
    }
    unseen = Tdcm.synthDrift(3, 2, 200, 0, 4.0, 0.5);
  }

  private static byte[] fittedBytes(String params, int[] withLabels) {
    try (Model model = Model.create(params)) {
      model.fitLabelled(x, d, setIds, withLabels);
      return model.save();
    }
  }

  private static ByteBuffer direct(int bytes) {
    return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
  }

  private static Status statusOf(org.junit.jupiter.api.function.Executable call) {
    return assertThrows(TdcmException.class, call).status();
  }

  @Test
  void aLabelledFamilyFitLearnsAMetricAndAssignsAnUnseenSet() {
    try (Model model = Model.create(FAMILY)) {
      model.fitLabelled(x, d, setIds, labels);
      assertTrue(model.isFitted());
      assertEquals(d, model.getInputDim());
      int width = model.getEmbedDim();
      assertTrue(width >= 1 && width <= d, "embedDim " + width);
      int[] assigned = model.assign(unseen.targetX(), d);
      assertEquals(unseen.rows(), assigned.length);
      for (int label : assigned) assertTrue(label >= 0 && label < 3, "label " + label);
      // Measured NMI 1.0 on this set.
      Metrics m = Metrics.compute(unseen.targetY(), assigned);
      assertTrue(m.nmi() > 0.9, m.toString());
    }
  }

  @Test
  void theLabelsReachTheLibrary() {
    byte[] labelled = fittedBytes(FAMILY, labels);
    // Deterministic: the same fit gives the same model.
    assertArrayEquals(labelled, fittedBytes(FAMILY, labels));
    // Cluster ids need not agree across sets: renaming them in one set changes nothing.
    int[] renamed = labels.clone();
    for (int i = 0; i < renamed.length; ++i) {
      if (setIds[i] == 1002) renamed[i] = (renamed[i] + 1) % 3;
    }
    assertArrayEquals(labelled, fittedBytes(FAMILY, renamed));
    // One cluster per set is another family metric, another model.
    assertFalse(Arrays.equals(labelled, fittedBytes(FAMILY, new int[labels.length])));
  }

  @Test
  void directBuffersGiveTheSameModelAsArrays() {
    FloatBuffer xb = direct(x.length * Float.BYTES).asFloatBuffer();
    xb.put(x).flip();
    LongBuffer ib = direct(setIds.length * Long.BYTES).asLongBuffer();
    ib.put(setIds).flip();
    IntBuffer lb = direct(labels.length * Integer.BYTES).asIntBuffer();
    lb.put(labels).flip();
    try (Model model = Model.create(FAMILY)) {
      model.fitLabelled(xb, d, ib, lb);
      assertArrayEquals(fittedBytes(FAMILY, labels), model.save());
      assertEquals(0, lb.position(), "the buffer's position is left alone");
      // Not one label per row.
      lb.limit(labels.length - 1);
      assertEquals(Status.INVALID_ARGUMENT, statusOf(() -> model.fitLabelled(xb, d, ib, lb)));
      assertEquals(Status.NULL_ARGUMENT, statusOf(() -> model.fitLabelled(xb, d, ib, null)));
      assertEquals(
          Status.INVALID_ARGUMENT,
          statusOf(() -> model.fitLabelled(xb, d, ib, IntBuffer.wrap(labels))),
          "a heap buffer");
    }
  }

  @Test
  void argumentsAreChecked() {
    try (Model model = Model.create(FAMILY)) {
      int n = labels.length;
      assertEquals(Status.INVALID_ARGUMENT,
          statusOf(() -> model.fitLabelled(x, d, Arrays.copyOf(setIds, n - 1), labels)));
      assertEquals(Status.INVALID_ARGUMENT,
          statusOf(() -> model.fitLabelled(x, d, setIds, Arrays.copyOf(labels, n + 1))));
      assertEquals(Status.NULL_ARGUMENT, statusOf(() -> model.fitLabelled(x, d, null, labels)));
      assertEquals(Status.NULL_ARGUMENT, statusOf(() -> model.fitLabelled(x, d, setIds, null)));
      // The library's own checks: a single set, a negative label.
      long[] oneSet = new long[n];
      Arrays.fill(oneSet, 7);
      TdcmException single =
          assertThrows(TdcmException.class, () -> model.fitLabelled(x, d, oneSet, labels));
      assertEquals(Status.INVALID_ARGUMENT, single.status());
      assertTrue(single.getMessage().contains("at least two data sets"), single.getMessage());
      int[] negative = labels.clone();
      negative[5] = -1;
      assertEquals(Status.INVALID_ARGUMENT,
          statusOf(() -> model.fitLabelled(x, d, setIds, negative)));
      assertFalse(model.isFitted());
    }
    try (Model kmeans = Model.create("k=3 algo=kmeans")) {
      assertEquals(Status.INVALID_ARGUMENT,
          statusOf(() -> kmeans.fitLabelled(x, d, setIds, labels)));
    }
  }

  private static final String TRAINED = FAMILY + " encoder=linear embed_dim=3 epochs=2 seed=0";

  @Test
  void theListenerIsCalledOncePerEpochAndCanCancel() {
    try (Model model = Model.create(TRAINED)) {
      List<Progress> seen = new ArrayList<>();
      model.setProgressListener(ProgressListenerTest.recorder(seen));
      model.fitLabelled(x, d, setIds, labels);
      assertEquals(2, seen.size());
      for (int i = 0; i < seen.size(); ++i) {
        assertEquals(i + 1, seen.get(i).epoch());
        assertEquals(2, seen.get(i).epochs());
      }
      byte[] before = model.save();
      int[] calls = {0};
      model.setProgressListener(p -> ++calls[0] < 1);
      assertEquals(Status.CANCELLED, statusOf(() -> model.fitLabelled(x, d, setIds, labels)));
      assertEquals(1, calls[0]);
      assertArrayEquals(before, model.save(), "a cancelled fit leaves the model as it was");
    }
  }

  @Test
  void aListenerThatThrowsCancelsAndFitLabelledThrowsItsException() {
    try (Model model = Model.create(TRAINED)) {
      IllegalStateException thrown = new IllegalStateException("from the listener");
      model.setProgressListener(
          p -> {
            throw thrown;
          });
      assertSame(thrown, assertThrows(IllegalStateException.class,
          () -> model.fitLabelled(x, d, setIds, labels)));
      assertFalse(model.isFitted());
      model.setProgressListener(null);
      model.fitLabelled(x, d, setIds, labels);
      assertTrue(model.isFitted());
    }
  }
}
