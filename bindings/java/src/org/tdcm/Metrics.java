package org.tdcm;

/** Clustering quality of a labelling against ground truth: NMI, ARI and ACC. */
public final class Metrics {
  private final double nmi;
  private final double ari;
  private final double acc;

  private Metrics(double nmi, double ari, double acc) {
    this.nmi = nmi;
    this.ari = ari;
    this.acc = acc;
  }

  /**
   * Scores {@code predicted} against {@code truth} (equal lengths, non-negative labels; the
   * number of clusters may differ from the number of classes).
   *
   * @throws TdcmException on lengths that differ, empty or negative labels
   */
  public static Metrics compute(int[] truth, int[] predicted) {
    long n = sameLength(truth, predicted);
    double[] scores = new double[3];
    TdcmNative.tdcm_metrics(truth, predicted, n, scores);
    return new Metrics(scores[0], scores[1], scores[2]);
  }

  /**
   * ACC-kept: the cluster-to-label map found on the source labelling, applied unchanged to
   * the target labelling.
   */
  public static double accKept(
      int[] sourceTruth, int[] sourcePredicted, int[] targetTruth, int[] targetPredicted) {
    long nSource = sameLength(sourceTruth, sourcePredicted);
    long nTarget = sameLength(targetTruth, targetPredicted);
    double[] accKept = new double[1];
    TdcmNative.tdcm_metrics_acc_kept(
        sourceTruth, sourcePredicted, nSource, targetTruth, targetPredicted, nTarget, accKept);
    return accKept[0];
  }

  /**
   * Calibration of a target's soft assignments under the cluster-to-label map found on the
   * source labelling (as {@link #accKept}): the expected calibration error of each row's top
   * probability (10 equal-width bins) and the mean log-loss of the true label.
   *
   * @param targetProbabilities row-major rows x k, as {@link Assignment#probabilities()}
   * @param k clusters, the row width of {@code targetProbabilities}
   * @throws TdcmException on lengths that differ, empty or negative labels
   */
  public static Calibration calibration(int[] sourceTruth, int[] sourcePredicted,
      int[] targetTruth, float[] targetProbabilities, int k) {
    long nSource = sameLength(sourceTruth, sourcePredicted);
    long nTarget = targetTruth == null ? 0 : targetTruth.length;
    if (targetProbabilities != null && k > 0 && targetProbabilities.length != nTarget * k) {
      throw new TdcmException(Status.INVALID_ARGUMENT,
          "targetProbabilities holds " + targetProbabilities.length + " values, not "
              + nTarget + " rows x k = " + k);
    }
    double[] ece = new double[1];
    double[] logLoss = new double[1];
    TdcmNative.tdcm_metrics_calibration(sourceTruth, sourcePredicted, nSource, targetTruth,
        targetProbabilities, nTarget, k, ece, logLoss);
    return new Calibration(ece[0], logLoss[0]);
  }

  /** Calibration of soft assignments: {@link #ece()} and {@link #logLoss()}. */
  public static final class Calibration {
    private final double ece;
    private final double logLoss;

    private Calibration(double ece, double logLoss) {
      this.ece = ece;
      this.logLoss = logLoss;
    }

    /**
     * Expected calibration error: over 10 equal-width bins of the top probability, |accuracy
     * - mean confidence| weighted by the bin's share of rows.
     */
    public double ece() {
      return ece;
    }

    /** Mean -log of the probability given to the true label (at least 1e-15). */
    public double logLoss() {
      return logLoss;
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "ECE %.4f  log-loss %.4f", ece, logLoss);
    }
  }

  private static long sameLength(int[] truth, int[] predicted) {
    if (truth != null && predicted != null && truth.length != predicted.length) {
      throw new TdcmException(
          Status.INVALID_ARGUMENT,
          "truth and predicted labels differ in length: "
              + truth.length + " != " + predicted.length);
    }
    return truth != null ? truth.length : predicted != null ? predicted.length : 0;
  }

  /** Normalized mutual information (arithmetic normalisation). */
  public double nmi() {
    return nmi;
  }

  /** Adjusted Rand index. */
  public double ari() {
    return ari;
  }

  /** Accuracy under the best one-to-one cluster-to-label map. */
  public double acc() {
    return acc;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "NMI %.4f  ARI %.4f  ACC %.4f", nmi, ari, acc);
  }
}
