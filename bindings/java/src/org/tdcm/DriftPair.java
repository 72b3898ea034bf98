package org.tdcm;

/** A source and a drifted target data set of protocol P1, row-major float32 with labels. */
public final class DriftPair {
  private final int d;
  private final float[] sourceX;
  private final int[] sourceY;
  private final float[] targetX;
  private final int[] targetY;

  DriftPair(int d, float[] sourceX, int[] sourceY, float[] targetX, int[] targetY) {
    this.d = d;
    this.sourceX = sourceX;
    this.sourceY = sourceY;
    this.targetX = targetX;
    this.targetY = targetY;
  }

  /** Columns of every row. */
  public int d() {
    return d;
  }

  /** Rows of each set. */
  public int rows() {
    return sourceY.length;
  }

  public float[] sourceX() {
    return sourceX;
  }

  public int[] sourceY() {
    return sourceY;
  }

  public float[] targetX() {
    return targetX;
  }

  public int[] targetY() {
    return targetY;
  }
}
