package org.tdcm;

/**
 * Labels, and optionally soft assignments, of the rows of one call; from {@link
 * Model#assignReport(float[], int)} also the per-cluster report.
 */
public final class Assignment {
  private final int[] labels;
  private final float[] probabilities;
  private final int k;
  private final ClusterReport[] report;

  Assignment(int[] labels, float[] probabilities, int k, ClusterReport[] report) {
    this.labels = labels;
    this.probabilities = probabilities;
    this.k = k;
    this.report = report;
  }

  /** One cluster id in [0, k) per row. */
  public int[] labels() {
    return labels;
  }

  /** Row-major rows x k soft assignments (each row sums to 1), or null if not requested. */
  public float[] probabilities() {
    return probabilities;
  }

  /** Number of clusters, the row width of {@link #probabilities()}. */
  public int k() {
    return k;
  }

  /**
   * The k per-cluster reports (entry j describes label j) from {@link
   * Model#assignReport(float[], int)}; null from assign and predict.
   */
  public ClusterReport[] report() {
    return report;
  }
}
