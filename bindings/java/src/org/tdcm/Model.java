package org.tdcm;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.Buffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A libtdcm model: learns how to cluster on source data ({@link #fit}), then clusters a new
 * target data set in one pass ({@link #assign}), or adapts once and labels rows as they come
 * ({@link #adapt} + {@link #predict}).
 *
 * <p>Data are row-major float32 matrices of {@code d} columns, given either as a {@code
 * float[]} (its length is rows x d) or as a direct {@link FloatBuffer} in native byte order
 * (its remaining elements, from its position, are rows x d; the buffer is used in place,
 * without any copy, and its position is left unchanged). Labels come back as {@code int[]},
 * soft assignments as an optional row-major {@code float[]} of rows x k; the zero-copy
 * variants write into direct {@link IntBuffer}/{@link FloatBuffer} outputs.
 *
 * <p>Every failure of the library throws {@link TdcmException} with its status and message.
 * Reading calls (assign, predict, save, getters) may run from many threads at once; a call
 * that modifies the model (fit, adapt) while another runs on it fails with {@link
 * Status#BUSY}. {@link #close()} waits for calls in progress on other threads, may be called
 * any number of times, and a call after it throws {@link IllegalStateException}. A model that
 * becomes unreachable without being closed is freed by a {@link Cleaner}.
 */
public final class Model implements AutoCloseable {
  private static final Cleaner CLEANER = Cleaner.create();

  /** The native handle, apart from the Model so that the Cleaner can free it. */
  private static final class Handle implements Runnable {
    private long pointer;

    Handle(long pointer) {
      this.pointer = pointer;
    }

    @Override
    public void run() {
      long p = pointer;
      pointer = 0;
      if (p != 0) TdcmNative.tdcm_destroy(p);
    }
  }

  private final Handle handle;
  private final Cleaner.Cleanable cleanable;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  private Model(long pointer) {
    this.handle = new Handle(pointer);
    this.cleanable = CLEANER.register(this, handle);
  }

  // ---- Construction -------------------------------------------------------------------

  /** An unfitted model with every parameter at its default. */
  public static Model create() {
    return create("");
  }

  /**
   * An unfitted model.
   *
   * @param params space-separated "key=value" pairs, e.g. "k=10 algo=kmeans"; see {@link
   *     Tdcm#parameters()}
   * @throws TdcmException UNKNOWN_PARAMETER, BAD_PARAMETER or DEVICE
   */
  public static Model create(String params) {
    long[] out = new long[1];
    TdcmNative.tdcm_create(out, params == null ? "" : params);
    return new Model(out[0]);
  }

  /** A model read from a file written by {@link #save(String)}, on the CPU. */
  public static Model load(String path) {
    long[] out = new long[1];
    TdcmNative.tdcm_load(out, path);
    return new Model(out[0]);
  }

  /**
   * As {@link #load(String)}, then override run-time parameters (only "device", "threads"
   * and "chunk_rows").
   */
  public static Model load(String path, String params) {
    long[] out = new long[1];
    TdcmNative.tdcm_load_with(out, path, params);
    return new Model(out[0]);
  }

  // ---- Training -----------------------------------------------------------------------

  /** Trains on one source data set (rows x d). Replaces any earlier fit. */
  public void fit(float[] x, int d) {
    fit(x, d, null);
  }

  /**
   * Trains on a collection of source data sets: rows with equal {@code setIds} form one data
   * set (a mini-batch never mixes them). {@code setIds} may be null (one data set).
   */
  public void fit(float[] x, int d, long[] setIds) {
    long n = rows(x == null ? 0 : x.length, d, "x");
    if (setIds != null && setIds.length != n) {
      throw invalid("setIds has " + setIds.length + " entries for " + n + " rows");
    }
    long h = acquire();
    try {
      TdcmNative.tdcm_fit(h, x, n, d, setIds);
    } finally {
      release();
    }
  }

  /** Trains on a direct buffer of rows x d floats, read in place. */
  public void fit(FloatBuffer x, int d) {
    fit(x, d, null);
  }

  /** Trains on a direct buffer of rows x d floats, with a direct buffer of rows set ids. */
  public void fit(FloatBuffer x, int d, LongBuffer setIds) {
    FloatBuffer in = directInput(x, "x");
    long n = rows(in == null ? 0 : in.remaining(), d, "x");
    LongBuffer ids = directInput(setIds, "setIds");
    if (ids != null && ids.remaining() != n) {
      throw invalid("setIds has " + ids.remaining() + " entries for " + n + " rows");
    }
    long h = acquire();
    try {
      TdcmNative.tdcm_fit_direct(h, in, n, d, ids);
    } finally {
      release();
    }
  }

  // ---- Clustering a target set --------------------------------------------------------

  /**
   * Clusters a target data set in one forward pass (the centroids adapt to all rows; the model
   * is not changed) and returns one label per row.
   */
  public int[] assign(float[] x, int d) {
    return assign(x, d, false).labels();
  }

  /** As {@link #assign(float[], int)}, with the rows x k soft assignments if asked for. */
  public Assignment assign(float[] x, int d, boolean withProbabilities) {
    return label(false, x, d, withProbabilities);
  }

  /**
   * Assign into caller-owned arrays, for reuse across calls: {@code labels} of exactly rows
   * entries, {@code probabilities} of exactly rows x k, or null.
   */
  public void assign(float[] x, int d, int[] labels, float[] probabilities) {
    labelInto(false, x, d, labels, probabilities);
  }

  /** As {@link #assign(float[], int)}, reading a direct buffer in place. */
  public int[] assign(FloatBuffer x, int d) {
    return assign(x, d, false).labels();
  }

  /** As {@link #assign(float[], int, boolean)}, reading a direct buffer in place. */
  public Assignment assign(FloatBuffer x, int d, boolean withProbabilities) {
    return label(false, x, d, withProbabilities);
  }

  /**
   * Zero-copy assign: reads {@code x} and writes {@code labels} (rows ints) and, unless null,
   * {@code probabilities} (rows x k floats) in place; all direct buffers in native order.
   */
  public void assign(FloatBuffer x, int d, IntBuffer labels, FloatBuffer probabilities) {
    label(false, x, d, labels, probabilities);
  }

  // ---- Adapt once, then predict -------------------------------------------------------

  /** Adapts the centroids to a target domain (all rows) and keeps them for {@link #predict}. */
  public void adapt(float[] x, int d) {
    long n = rows(x == null ? 0 : x.length, d, "x");
    long h = acquire();
    try {
      TdcmNative.tdcm_adapt(h, x, n, d);
    } finally {
      release();
    }
  }

  /** As {@link #adapt(float[], int)}, reading a direct buffer in place. */
  public void adapt(FloatBuffer x, int d) {
    FloatBuffer in = directInput(x, "x");
    long n = rows(in == null ? 0 : in.remaining(), d, "x");
    long h = acquire();
    try {
      TdcmNative.tdcm_adapt_direct(h, in, n, d);
    } finally {
      release();
    }
  }

  /** Labels rows against the adapted centroids (rows are independent; one row is fine). */
  public int[] predict(float[] x, int d) {
    return predict(x, d, false).labels();
  }

  /** As {@link #predict(float[], int)}, with soft assignments if asked for. */
  public Assignment predict(float[] x, int d, boolean withProbabilities) {
    return label(true, x, d, withProbabilities);
  }

  /** Predict into caller-owned arrays; see {@link #assign(float[], int, int[], float[])}. */
  public void predict(float[] x, int d, int[] labels, float[] probabilities) {
    labelInto(true, x, d, labels, probabilities);
  }

  /** As {@link #predict(float[], int)}, reading a direct buffer in place. */
  public int[] predict(FloatBuffer x, int d) {
    return predict(x, d, false).labels();
  }

  /** As {@link #predict(float[], int, boolean)}, reading a direct buffer in place. */
  public Assignment predict(FloatBuffer x, int d, boolean withProbabilities) {
    return label(true, x, d, withProbabilities);
  }

  /** Zero-copy predict into direct buffers; see {@link #assign(FloatBuffer, int, IntBuffer, FloatBuffer)}. */
  public void predict(FloatBuffer x, int d, IntBuffer labels, FloatBuffer probabilities) {
    label(true, x, d, labels, probabilities);
  }

  // ---- Files and properties -----------------------------------------------------------

  /** Writes the model to {@code path} (atomically: a temporary file, then a rename). */
  public void save(String path) {
    long h = acquire();
    try {
      TdcmNative.tdcm_save(h, path);
    } finally {
      release();
    }
  }

  /** Number of clusters k. */
  public int getK() {
    long[] v = new long[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_get_k(h, v);
    } finally {
      release();
    }
    return Math.toIntExact(v[0]);
  }

  /** Input dimension d of the fitted model; 0 before fitting. */
  public int getInputDim() {
    long[] v = new long[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_get_input_dim(h, v);
    } finally {
      release();
    }
    return Math.toIntExact(v[0]);
  }

  /** Width of the space the centroids live in: embed_dim for TDCM, the input dim for k-means. */
  public int getEmbedDim() {
    long[] v = new long[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_get_embed_dim(h, v);
    } finally {
      release();
    }
    return Math.toIntExact(v[0]);
  }

  /** "tdcm" or "kmeans". */
  public String getAlgorithm() {
    String[] v = new String[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_get_algorithm(h, v);
    } finally {
      release();
    }
    return v[0];
  }

  /** The device the model runs on, e.g. "cpu" or "cuda:0". */
  public String getDevice() {
    String[] v = new String[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_get_device(h, v);
    } finally {
      release();
    }
    return v[0];
  }

  /** The full parameter string, every key in canonical form. */
  public String getParams() {
    String[] v = new String[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_swig_get_params(h, v);
    } finally {
      release();
    }
    return v[0];
  }

  /** Whether the model has been fitted (or loaded fitted). */
  public boolean isFitted() {
    int[] v = new int[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_is_fitted(h, v);
    } finally {
      release();
    }
    return v[0] != 0;
  }

  /** Whether {@link #adapt} has run since the last fit. */
  public boolean isAdapted() {
    int[] v = new int[1];
    long h = acquire();
    try {
      TdcmNative.tdcm_is_adapted(h, v);
    } finally {
      release();
    }
    return v[0] != 0;
  }

  /** Whether {@link #close()} has been called. */
  public boolean isClosed() {
    lock.readLock().lock();
    try {
      return handle.pointer == 0;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Frees the native model. Waits for calls in progress on other threads; a second call does
   * nothing.
   */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      cleanable.clean();
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---- Internals ----------------------------------------------------------------------

  /** The handle, with the read lock held (so close() waits); release() afterwards. */
  private long acquire() {
    lock.readLock().lock();
    long p = handle.pointer;
    if (p == 0) {
      lock.readLock().unlock();
      throw new IllegalStateException("the model is closed");
    }
    return p;
  }

  private void release() {
    lock.readLock().unlock();
    // The Cleaner must not free the handle while a native call uses it.
    Reference.reachabilityFence(this);
  }

  private Assignment label(boolean predict, float[] x, int d, boolean withProbabilities) {
    long n = rows(x == null ? 0 : x.length, d, "x");
    long h = acquire();
    try {
      int k = withProbabilities ? kOf(h) : 0;
      int[] labels = new int[(int) n];
      float[] probs = withProbabilities ? new float[outputSize(n, k)] : null;
      if (predict) {
        TdcmNative.tdcm_predict(h, x, n, d, labels, probs);
      } else {
        TdcmNative.tdcm_assign(h, x, n, d, labels, probs);
      }
      return new Assignment(labels, probs, k);
    } finally {
      release();
    }
  }

  private void labelInto(
      boolean predict, float[] x, int d, int[] labels, float[] probabilities) {
    // Exact sizes: the JNI layer copies whole output arrays back.
    long n = rows(x == null ? 0 : x.length, d, "x");
    if (labels != null && labels.length != n) {
      throw invalid("labels has " + labels.length + " entries for " + n + " rows");
    }
    long h = acquire();
    try {
      if (probabilities != null) {
        long needed = n * kOf(h);
        if (probabilities.length != needed) {
          throw invalid(
              "probabilities has " + probabilities.length + " entries, not rows x k = " + needed);
        }
      }
      if (predict) {
        TdcmNative.tdcm_predict(h, x, n, d, labels, probabilities);
      } else {
        TdcmNative.tdcm_assign(h, x, n, d, labels, probabilities);
      }
    } finally {
      release();
    }
  }

  private Assignment label(boolean predict, FloatBuffer x, int d, boolean withProbabilities) {
    FloatBuffer in = directInput(x, "x");
    long n = rows(in == null ? 0 : in.remaining(), d, "x");
    long h = acquire();
    try {
      int k = withProbabilities ? kOf(h) : 0;
      int[] labels = new int[(int) n];
      float[] probs = withProbabilities ? new float[outputSize(n, k)] : null;
      if (predict) {
        TdcmNative.tdcm_predict_direct_in(h, in, n, d, labels, probs);
      } else {
        TdcmNative.tdcm_assign_direct_in(h, in, n, d, labels, probs);
      }
      return new Assignment(labels, probs, k);
    } finally {
      release();
    }
  }

  private void label(
      boolean predict, FloatBuffer x, int d, IntBuffer labels, FloatBuffer probabilities) {
    FloatBuffer in = directInput(x, "x");
    long n = rows(in == null ? 0 : in.remaining(), d, "x");
    IntBuffer out = directOutput(labels, "labels");
    FloatBuffer probs = directOutput(probabilities, "probabilities");
    if (out != null && out.remaining() < n) {
      throw invalid("labels has room for " + out.remaining() + " of " + n + " rows");
    }
    long h = acquire();
    try {
      if (probs != null) {
        long needed = n * kOf(h);
        if (probs.remaining() < needed) {
          throw invalid("probabilities has room for " + probs.remaining() + " of " + needed + " floats");
        }
      }
      if (predict) {
        TdcmNative.tdcm_predict_direct(h, in, n, d, out, probs);
      } else {
        TdcmNative.tdcm_assign_direct(h, in, n, d, out, probs);
      }
    } finally {
      release();
    }
  }

  private static int kOf(long h) {
    long[] k = new long[1];
    TdcmNative.tdcm_get_k(h, k);
    return Math.toIntExact(k[0]);
  }

  private static int outputSize(long n, int k) {
    long size = n * k;
    if (size > Integer.MAX_VALUE - 8) {
      throw invalid(n + " rows x " + k + " clusters of probabilities exceed a Java array");
    }
    return (int) size;
  }

  /** Rows of a matrix of {@code length} elements and {@code d} columns. */
  private static long rows(long length, int d, String what) {
    if (d < 1) throw invalid("d must be at least 1, got " + d);
    if (length % d != 0) {
      throw invalid(what + " holds " + length + " values, not a multiple of d = " + d);
    }
    return length / d;
  }

  /** A direct, native-order view starting at the buffer's position (null stays null). */
  private static <B extends Buffer> B directInput(B buffer, String what) {
    if (buffer == null) return null;
    if (!buffer.isDirect()) {
      throw invalid(
          what + " must be a direct buffer, e.g. ByteBuffer.allocateDirect(bytes)"
              + ".order(ByteOrder.nativeOrder()).asFloatBuffer(); pass a float[] otherwise");
    }
    if (orderOf(buffer) != ByteOrder.nativeOrder()) {
      throw invalid(what + " must be in native byte order (ByteOrder.nativeOrder())");
    }
    @SuppressWarnings("unchecked")
    B view = buffer.position() == 0 ? buffer : (B) buffer.slice();
    return view;
  }

  private static <B extends Buffer> B directOutput(B buffer, String what) {
    if (buffer != null && buffer.isReadOnly()) throw invalid(what + " is a read-only buffer");
    return directInput(buffer, what);
  }

  private static ByteOrder orderOf(Buffer buffer) {
    if (buffer instanceof FloatBuffer) return ((FloatBuffer) buffer).order();
    if (buffer instanceof IntBuffer) return ((IntBuffer) buffer).order();
    if (buffer instanceof LongBuffer) return ((LongBuffer) buffer).order();
    return ByteOrder.nativeOrder();
  }

  private static TdcmException invalid(String message) {
    return new TdcmException(Status.INVALID_ARGUMENT, message);
  }
}
