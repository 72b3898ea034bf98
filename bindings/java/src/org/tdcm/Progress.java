package org.tdcm;

/**
 * Progress of a fit, reported to a {@link ProgressListener} after each epoch (for k-means,
 * after each restart): the C API's tdcm_progress.
 */
public final class Progress {
  private final int epoch;
  private final int epochs;
  private final double loss;
  private final double lossClu;
  private final double lossBal;
  private final double lossOrth;
  private final double elapsedSeconds;

  /** Built by the JNI layer, once per epoch. */
  Progress(
      int epoch,
      int epochs,
      double loss,
      double lossClu,
      double lossBal,
      double lossOrth,
      double elapsedSeconds) {
    this.epoch = epoch;
    this.epochs = epochs;
    this.loss = loss;
    this.lossClu = lossClu;
    this.lossBal = lossBal;
    this.lossOrth = lossOrth;
    this.elapsedSeconds = elapsedSeconds;
  }

  /** Epochs (k-means: restarts) completed so far, from 1. */
  public int epoch() {
    return epoch;
  }

  /** Epochs of this fit in all (pretrain_epochs + epochs; k-means: n_init). */
  public int epochs() {
    return epochs;
  }

  /** Mean total loss of the epoch (in pretraining epochs: the reconstruction error). */
  public double loss() {
    return loss;
  }

  /** Mean clustering term. */
  public double lossClu() {
    return lossClu;
  }

  /** Mean balance term, before its weight beta. */
  public double lossBal() {
    return lossBal;
  }

  /** Mean orthogonality term, before its weight gamma. */
  public double lossOrth() {
    return lossOrth;
  }

  /** Seconds since the fit started. */
  public double elapsedSeconds() {
    return elapsedSeconds;
  }

  @Override
  public String toString() {
    return "epoch " + epoch + "/" + epochs + " loss " + loss + " (" + elapsedSeconds + " s)";
  }
}
