package org.tdcm;

import java.util.Locale;
import java.util.Objects;

/**
 * One cluster of a target set against the source ({@link Model#assignReport(float[], int)},
 * {@link Model#getReport()}): the source cluster it continues, how confident that match is,
 * how far its centre moved and how its size changed.
 */
public final class ClusterReport {
  private final int cluster;
  private final int sourceCluster;
  private final int flags;
  private final boolean unmatched;
  private final boolean movedFar;
  private final boolean shrank;
  private final double confidence;
  private final double shift;
  private final long sourceSize;
  private final long targetSize;

  /** Made by the JNI layer, which decodes the flag bits with the C API's own macros. */
  ClusterReport(int cluster, int sourceCluster, int flags, boolean unmatched, boolean movedFar,
      boolean shrank, double confidence, double shift, long sourceSize, long targetSize) {
    this.cluster = cluster;
    this.sourceCluster = sourceCluster;
    this.flags = flags;
    this.unmatched = unmatched;
    this.movedFar = movedFar;
    this.shrank = shrank;
    this.confidence = confidence;
    this.shift = shift;
    this.sourceSize = sourceSize;
    this.targetSize = targetSize;
  }

  /** Its label on the target. */
  public int cluster() {
    return cluster;
  }

  /** The source cluster it continues (its label on the source). */
  public int sourceCluster() {
    return sourceCluster;
  }

  /** The C API's TDCM_CLUSTER_* bits; {@link #unmatched()} and friends read them. */
  public int flags() {
    return flags;
  }

  /** No source cluster matches it confidently (confidence below 0.5). */
  public boolean unmatched() {
    return unmatched;
  }

  /** Its centre moved more than 3 of its own spreads. */
  public boolean movedFar() {
    return movedFar;
  }

  /** Its share of the rows fell below half its share on the source. */
  public boolean shrank() {
    return shrank;
  }

  /** Match confidence in [0, 1]: the posterior probability of this pairing. */
  public double confidence() {
    return confidence;
  }

  /** How far its centre moved, in units of the source cluster's spread. */
  public double shift() {
    return shift;
  }

  /** Rows labelled with it on the source (0 if unknown). */
  public long sourceSize() {
    return sourceSize;
  }

  /** Rows labelled with it on the target. */
  public long targetSize() {
    return targetSize;
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof ClusterReport)) return false;
    ClusterReport o = (ClusterReport) other;
    return cluster == o.cluster && sourceCluster == o.sourceCluster && flags == o.flags
        && Double.compare(confidence, o.confidence) == 0 && Double.compare(shift, o.shift) == 0
        && sourceSize == o.sourceSize && targetSize == o.targetSize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(cluster, sourceCluster, flags, confidence, shift, sourceSize, targetSize);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT,
        "cluster %d <- source %d: confidence %.3f, shift %.3f, size %d -> %d%s%s%s", cluster,
        sourceCluster, confidence, shift, sourceSize, targetSize, unmatched ? ", unmatched" : "",
        movedFar ? ", moved far" : "", shrank ? ", shrank" : "");
  }
}
