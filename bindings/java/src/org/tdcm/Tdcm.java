package org.tdcm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Library-wide calls: version, parameter descriptions, the P1 data generator. */
public final class Tdcm {
  private Tdcm() {}

  /** The native library's version, e.g. "0.1.0". */
  public static String version() {
    return TdcmNative.tdcm_version();
  }

  /** Every parameter key {@link Model#create(String)} accepts, with type, default and help. */
  public static List<ParameterInfo> parameters() {
    long[] count = new long[1];
    TdcmNative.tdcm_param_count(count);
    List<ParameterInfo> list = new ArrayList<>((int) count[0]);
    String[] field = new String[1];
    for (long i = 0; i < count[0]; ++i) {
      String[] values = new String[5];
      for (int f = 0; f < 5; ++f) {
        TdcmNative.tdcm_swig_param_field(i, f, field);
        values[f] = field[0];
      }
      list.add(new ParameterInfo(values[0], values[1], values[2], values[3], values[4]));
    }
    return Collections.unmodifiableList(list);
  }

  /**
   * One data-set pair of protocol P1 ("synth-drift"): k Gaussian clusters of {@code
   * nPerCluster} rows in {@code d} dimensions, and a target whose centers moved by {@code
   * drift} times the center spread. Deterministic for a seed on every platform.
   */
  public static DriftPair synthDrift(
      int k, int d, int nPerCluster, long seed, double spread, double drift) {
    long rows = (long) k * nPerCluster;
    if (k < 1 || d < 1 || nPerCluster < 1) {
      throw new TdcmException(
          Status.INVALID_ARGUMENT, "synth_drift needs k, d, n_per_cluster >= 1");
    }
    if (rows * d > Integer.MAX_VALUE - 8) {
      throw new TdcmException(
          Status.INVALID_ARGUMENT, "synth_drift: " + rows + " x " + d + " is too large for a Java array");
    }
    float[] sourceX = new float[(int) (rows * d)];
    float[] targetX = new float[(int) (rows * d)];
    int[] sourceY = new int[(int) rows];
    int[] targetY = new int[(int) rows];
    TdcmNative.tdcm_synth_drift(
        k, d, nPerCluster, seed, spread, drift, sourceX, sourceY, targetX, targetY);
    return new DriftPair(d, sourceX, sourceY, targetX, targetY);
  }
}
