package org.tdcm;

/**
 * Told of a fit's progress ({@link Model#setProgressListener}): called on the thread that runs
 * {@link Model#fit}, after each epoch (for k-means, after each restart).
 *
 * <p>Return {@code false} to cancel the fit: it then throws {@link TdcmException} with {@link
 * Status#CANCELLED} and leaves the model as it was. An exception the listener throws cancels the
 * fit too, and {@code fit} throws that exception. The listener must not call the model it
 * listens to (a call is refused with BUSY; {@link Model#close()} would wait for the fit for
 * ever).
 */
@FunctionalInterface
public interface ProgressListener {
  /**
   * @param progress the epoch just completed and its loss terms
   * @return {@code true} to go on, {@code false} to cancel the fit
   */
  boolean onProgress(Progress progress);
}
