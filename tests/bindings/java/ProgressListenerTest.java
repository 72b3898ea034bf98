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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tdcm.DriftPair;
import org.tdcm.Model;
import org.tdcm.Progress;
import org.tdcm.ProgressListener;
import org.tdcm.Status;
import org.tdcm.Tdcm;
import org.tdcm.TdcmException;

/** The fit progress listener: once per epoch (k-means: per restart), and able to cancel. */
class ProgressListenerTest {
  private static DriftPair p1;

  @BeforeAll
  static void makeData() {
    p1 = Tdcm.synthDrift(5, 2, 500, 0, 4.0, 0.5);
  }

  /** A listener that keeps every call in {@code seen}, checking that it runs on this thread. */
  static ProgressListener recorder(List<Progress> seen) {
    Thread fitting = Thread.currentThread();
    return p -> {
      assertSame(fitting, Thread.currentThread(), "called on the fitting thread");
      seen.add(p);
      return true;
    };
  }

  private static void expectOncePerEpoch(String params, int epochs, boolean direct) {
    try (Model model = Model.create(params)) {
      List<Progress> seen = new ArrayList<>();
      model.setProgressListener(recorder(seen));
      if (direct) {
        FloatBuffer x =
            ByteBuffer.allocateDirect(p1.sourceX().length * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        x.put(p1.sourceX()).flip();
        model.fit(x, p1.d());
      } else {
        model.fit(p1.sourceX(), p1.d());
      }
      assertEquals(epochs, seen.size(), params);
      for (int i = 0; i < seen.size(); ++i) {
        assertEquals(i + 1, seen.get(i).epoch());
        assertEquals(epochs, seen.get(i).epochs());
        assertTrue(seen.get(i).elapsedSeconds() >= 0);
      }
    }
  }

  @Test
  void calledOncePerEpochOrRestart() {
    expectOncePerEpoch("k=5 algo=kmeans n_init=4 seed=1", 4, false);
    expectOncePerEpoch("k=5 algo=kmeans n_init=3 seed=1", 3, true);
    expectOncePerEpoch("k=5 encoder=mlp hidden=16 embed_dim=8 epochs=3 seed=1", 3, false);
  }

  @Test
  void returningFalseCancelsAndLeavesTheModelAsItWas() {
    try (Model model = Model.create("k=5 algo=kmeans n_init=4 seed=1")) {
      model.fit(p1.sourceX(), p1.d());
      byte[] before = model.save();
      int[] calls = {0};
      model.setProgressListener(p -> ++calls[0] < 2);
      TdcmException e =
          assertThrows(TdcmException.class, () -> model.fit(p1.targetX(), p1.d()));
      assertEquals(Status.CANCELLED, e.status());
      assertEquals(2, calls[0]);
      assertArrayEquals(before, model.save());
      model.setProgressListener(null);
      model.fit(p1.sourceX(), p1.d());
      assertEquals(2, calls[0]);
    }
  }

  @Test
  void aListenerThatThrowsCancelsAndFitThrowsItsException() {
    try (Model model = Model.create("k=5 algo=kmeans n_init=4 seed=1")) {
      IllegalStateException thrown = new IllegalStateException("from the listener");
      int[] calls = {0};
      model.setProgressListener(
          p -> {
            ++calls[0];
            throw thrown;
          });
      assertSame(thrown, assertThrows(IllegalStateException.class,
          () -> model.fit(p1.sourceX(), p1.d())));
      assertEquals(1, calls[0]);
      assertFalse(model.isFitted());
      // Nothing is left pending or locked: the model fits again.
      model.setProgressListener(p -> true);
      model.fit(p1.sourceX(), p1.d());
      assertTrue(model.isFitted());
    }
  }
}
