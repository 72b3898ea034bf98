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
 * ({@link #adapt} + {@link #predict}). {@link #assignReport(float[], int)} and {@link
 * #getReport()} say, per cluster, which source cluster it continues and what changed; {@link
 * #getCentroids(Centroids)} and {@link #setCentroids(float[], int)} take centroids out and in.
 *
 * <p>Data are row-major float32 matrices of {@code d} columns, given either as a {@code
 * float[]} (its length is rows x d) or as a direct {@link FloatBuffer} in native byte order
 * (its remaining elements, from its position, are rows x d; the buffer is used in place,
 * without any copy, and its position is left unchanged). Labels come back as {@code int[]},
 * soft assignments as an optional row-major {@code float[]} of rows x k; the zero-copy
 * variants write into direct {@link IntBuffer}/{@link FloatBuffer} outputs. Assign and
 * predict use a {@code float[]} and their output arrays in place too, holding the garbage
 * collector off for the length of the call (see {@link #assign(float[], int, int[],
 * float[])}); fit and adapt read a {@code float[]} through a copy.
 *
 * <p>{@link #save()} and {@link #load(byte[])} carry a model as bytes (the model file's, e.g.
 * to executors that each load it); {@link #setProgressListener} reports each epoch of a fit
 * and can cancel it.
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
  private volatile ProgressListener progressListener;

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

  /**
   * A model read from the bytes {@link #save()} returned (or a model file's bytes), on the CPU;
   * the same checks as a file. The bytes are copied: the array may be reused afterwards.
   *
   * @throws TdcmException BAD_FILE for truncated, corrupt or foreign bytes,
   *     UNSUPPORTED_VERSION
   */
  public static Model load(byte[] bytes) {
    return load(bytes, null);
  }

  /**
   * As {@link #load(byte[])}, then override run-time parameters (only "device", "threads" and
   * "chunk_rows"); {@code params} may be null.
   */
  public static Model load(byte[] bytes, String params) {
    if (bytes == null) throw new TdcmException(Status.NULL_ARGUMENT, "bytes is null");
    long[] out = new long[1];
    if (params == null) {
      TdcmNative.tdcm_load_buffer(out, bytes, bytes.length);
    } else {
      TdcmNative.tdcm_load_buffer_with(out, bytes, bytes.length, params);
    }
    return new Model(out[0]);
  }

  // ---- Training -----------------------------------------------------------------------

  /**
   * Sets (or with null, removes) the listener that {@link #fit} and {@link #fitLabelled} call
   * after each epoch (for k-means, after each restart), on the fitting thread; it can cancel the
   * fit. The listener is read when a fit starts.
   */
  public void setProgressListener(ProgressListener listener) {
    progressListener = listener;
  }

  /** Trains on one source data set (rows x d). Replaces any earlier fit. */
  public void fit(float[] x, int d) {
    fit(x, d, null);
  }

  /**
   * Trains on a collection of source data sets: rows with equal {@code setIds} form one data
   * set (a mini-batch never mixes them). {@code setIds} may be null (one data set).
   *
   * <p>The JNI layer reads {@code x} and {@code setIds} through a copy: training may run for
   * minutes, and using the arrays in place would hold the garbage collector off for all of it
   * (see {@link #assign(float[], int, int[], float[])}). Pass direct buffers to train without
   * that copy.
   */
  public void fit(float[] x, int d, long[] setIds) {
    Rows rows = Rows.of(x, d);
    checkSetIds(setIds == null ? -1 : setIds.length, rows.n);
    ProgressListener listener = progressListener;
    call(h -> TdcmNative.tdcm_jni_fit(h, x, rows.n, d, setIds, listener));
  }

  /** Trains on a direct buffer of rows x d floats, read in place. */
  public void fit(FloatBuffer x, int d) {
    fit(x, d, null);
  }

  /** Trains on a direct buffer of rows x d floats, with a direct buffer of rows set ids. */
  public void fit(FloatBuffer x, int d, LongBuffer setIds) {
    Rows rows = Rows.of(x, d);
    LongBuffer ids = directInput(setIds, "setIds");
    checkSetIds(ids == null ? -1 : ids.remaining(), rows.n);
    ProgressListener listener = progressListener;
    call(h -> TdcmNative.tdcm_jni_fit_direct(h, rows.buffer, rows.n, d, ids, listener));
  }

  /**
   * Trains on a collection of source data sets with a label per row: {@code labels[i]} is the
   * cluster of row i within its set ({@code setIds[i]}; cluster ids need not agree across
   * sets). The family metric (parameter collection) is then estimated from these labelled
   * clusters rather than from the fit's own clustering of each set; later sets are still
   * clustered without labels. Reports to the {@link #setProgressListener listener} as {@link
   * #fit(float[], int, long[])} does, and reads the arrays through a copy as it does.
   *
   * @param setIds rows entries, at least two distinct sets
   * @param labels rows entries, each at least 0
   * @throws TdcmException NULL_ARGUMENT for a null setIds or labels; INVALID_ARGUMENT for
   *     arrays that are not one entry per row, a negative label, a single set, or a model that
   *     is not algo=tdcm with metric=gaussian and collection auto or family
   */
  public void fitLabelled(float[] x, int d, long[] setIds, int[] labels) {
    Rows rows = Rows.of(x, d);
    checkLabelled(setIds == null ? -1 : setIds.length, labels == null ? -1 : labels.length,
        rows.n);
    ProgressListener listener = progressListener;
    call(h -> TdcmNative.tdcm_jni_fit_labelled(h, x, rows.n, d, setIds, labels, listener));
  }

  /**
   * As {@link #fitLabelled(float[], int, long[], int[])}, on direct buffers read in place: rows
   * x d floats, rows set ids and rows labels.
   */
  public void fitLabelled(FloatBuffer x, int d, LongBuffer setIds, IntBuffer labels) {
    Rows rows = Rows.of(x, d);
    LongBuffer ids = directInput(setIds, "setIds");
    IntBuffer in = directInput(labels, "labels");
    checkLabelled(ids == null ? -1 : ids.remaining(), in == null ? -1 : in.remaining(), rows.n);
    ProgressListener listener = progressListener;
    call(h -> TdcmNative.tdcm_jni_fit_labelled_direct(
        h, rows.buffer, rows.n, d, ids, in, listener));
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
    return label(false, Rows.of(x, d), withProbabilities, false);
  }

  /**
   * Assign into caller-owned arrays, for reuse across calls: {@code labels} of at least rows
   * entries, {@code probabilities} of at least rows x k, or null. Entries past those are left
   * alone; on failure the arrays' contents are unspecified.
   *
   * <p>No array is copied: the JNI layer hands the library {@code x}, {@code labels} and
   * {@code probabilities} themselves, inside a JNI critical section
   * (GetPrimitiveArrayCritical), which is what keeps a {@code float[]} as fast as a direct
   * buffer. While the call runs, the garbage collector may not move these arrays: on most
   * collectors (G1 before JDK 22, Parallel, Serial) a collection another thread needs waits
   * until the call returns. One inference pass is short enough for that; where it is not
   * (very large inputs on a busy JVM), use the direct-buffer variants, which hold nothing.
   * The same holds for every {@code float[]} overload of assign and predict.
   */
  public void assign(float[] x, int d, int[] labels, float[] probabilities) {
    labelInto(false, false, Rows.of(x, d), labels, probabilities);
  }

  /** As {@link #assign(float[], int)}, reading a direct buffer in place. */
  public int[] assign(FloatBuffer x, int d) {
    return assign(x, d, false).labels();
  }

  /** As {@link #assign(float[], int, boolean)}, reading a direct buffer in place. */
  public Assignment assign(FloatBuffer x, int d, boolean withProbabilities) {
    return label(false, Rows.of(x, d), withProbabilities, false);
  }

  /**
   * Zero-copy assign: reads {@code x} and writes {@code labels} (rows ints) and, unless null,
   * {@code probabilities} (rows x k floats) in place; all direct buffers in native order.
   */
  public void assign(FloatBuffer x, int d, IntBuffer labels, FloatBuffer probabilities) {
    labelInto(false, false, Rows.of(x, d), labels, probabilities);
  }

  // ---- Clustering a target set, with the per-cluster report --------------------------

  /**
   * As {@link #assign(float[], int)}, and the report of the target's clusters ({@link
   * Assignment#report()}, k entries, entry j for label j): the source cluster each continues,
   * how confident that match is, how far it moved and its sizes. Uses the arrays in place, as
   * assign does.
   *
   * @throws TdcmException INVALID_ARGUMENT when the model has no source clusters (fitted on a
   *     collection of sets, or metric=shared)
   */
  public Assignment assignReport(float[] x, int d) {
    return assignReport(x, d, false);
  }

  /** As {@link #assignReport(float[], int)}, with the rows x k soft assignments if asked for. */
  public Assignment assignReport(float[] x, int d, boolean withProbabilities) {
    return label(false, Rows.of(x, d), withProbabilities, true);
  }

  /** As {@link #assignReport(float[], int)}, reading a direct buffer in place. */
  public Assignment assignReport(FloatBuffer x, int d) {
    return assignReport(x, d, false);
  }

  /** As {@link #assignReport(float[], int, boolean)}, reading a direct buffer in place. */
  public Assignment assignReport(FloatBuffer x, int d, boolean withProbabilities) {
    return label(false, Rows.of(x, d), withProbabilities, true);
  }

  /**
   * As {@link #assign(float[], int, int[], float[])} (caller-owned arrays, written in place),
   * returning the report.
   */
  public ClusterReport[] assignReport(float[] x, int d, int[] labels, float[] probabilities) {
    return labelInto(false, true, Rows.of(x, d), labels, probabilities);
  }

  /**
   * As {@link #assign(FloatBuffer, int, IntBuffer, FloatBuffer)} (direct buffers, zero copy),
   * returning the report.
   */
  public ClusterReport[] assignReport(
      FloatBuffer x, int d, IntBuffer labels, FloatBuffer probabilities) {
    return labelInto(false, true, Rows.of(x, d), labels, probabilities);
  }

  /**
   * The report of the set the model was last adapted to ({@link #adapt}), as {@link
   * #assignReport(float[], int)} gives it for that set.
   *
   * @throws TdcmException NOT_FITTED, NOT_ADAPTED, or INVALID_ARGUMENT (no source clusters)
   */
  public ClusterReport[] getReport() {
    ClusterReport[][] result = new ClusterReport[1][];
    call(h -> {
      ClusterReport[] report = new ClusterReport[kOf(h)];
      TdcmNative.tdcm_get_report(h, report);
      result[0] = report;
    });
    return result[0];
  }

  // ---- Centroids in and out -----------------------------------------------------------

  /**
   * Width of the centroids {@link #getCentroids(Centroids)} returns: the input dim where they
   * live in input coordinates (see {@link #centroidsInInputSpace()}), else the embedding's.
   *
   * @throws TdcmException NOT_FITTED
   */
  public int getCentroidDim() {
    return Math.toIntExact(centroidShape()[0]);
  }

  /**
   * Whether the centroids are in input coordinates (k-means, gmm, tdcm with
   * encoder=identity), rather than in a learned encoder's embedding.
   *
   * @throws TdcmException NOT_FITTED
   */
  public boolean centroidsInInputSpace() {
    return centroidShape()[1] != 0;
  }

  /**
   * The source's (fitted, or given to {@link #setCentroids}) or the adapted centroids: k rows
   * of {@link #getCentroidDim()} values, row-major.
   *
   * @throws TdcmException NOT_FITTED, NOT_ADAPTED (adapted ones before {@link #adapt}), or
   *     INVALID_ARGUMENT (source ones after a fit on a collection of sets)
   */
  public float[] getCentroids(Centroids which) {
    if (which == null) throw new TdcmException(Status.NULL_ARGUMENT, "which is null");
    float[][] result = new float[1][];
    call(h -> {
      long[] dim = new long[1];
      TdcmNative.tdcm_swig_get_centroid_dim(h, dim, new int[1]);
      int k = kOf(h);
      float[] out = new float[outputSize(k, Math.toIntExact(dim[0]))];
      TdcmNative.tdcm_get_centroids(h, which.swigValue(), out, k, dim[0]);
      result[0] = out;
    });
    return result[0];
  }

  /**
   * Starts from the caller's own centroids: k rows of d values, row-major, in the space
   * {@link #getCentroids(Centroids)} uses. On an unfitted model of algo=kmeans (or tdcm with
   * encoder=identity and metric=gaussian) they make it fitted, d being the input width; on a
   * fitted model they replace the source centroids and drop any adaptation.
   *
   * @throws TdcmException INVALID_ARGUMENT (e.g. not k rows), SHAPE, NON_FINITE
   */
  public void setCentroids(float[] centroids, int d) {
    Rows rows = Rows.of(centroids, d);
    call(h -> TdcmNative.tdcm_set_centroids(h, centroids, rows.n, d));
  }

  // ---- Adapt once, then predict -------------------------------------------------------

  /**
   * Adapts the centroids to a target domain (all rows) and keeps them for {@link #predict}. As
   * with {@link #fit(float[], int, long[])}, the JNI layer reads a {@code float[]} through a
   * copy (adapting iterates, and may run for long); a direct buffer is read in place.
   */
  public void adapt(float[] x, int d) {
    Rows rows = Rows.of(x, d);
    call(h -> TdcmNative.tdcm_adapt(h, x, rows.n, d));
  }

  /** As {@link #adapt(float[], int)}, reading a direct buffer in place. */
  public void adapt(FloatBuffer x, int d) {
    Rows rows = Rows.of(x, d);
    call(h -> TdcmNative.tdcm_adapt_direct(h, rows.buffer, rows.n, d));
  }

  /** Labels rows against the adapted centroids (rows are independent; one row is fine). */
  public int[] predict(float[] x, int d) {
    return predict(x, d, false).labels();
  }

  /** As {@link #predict(float[], int)}, with soft assignments if asked for. */
  public Assignment predict(float[] x, int d, boolean withProbabilities) {
    return label(true, Rows.of(x, d), withProbabilities, false);
  }

  /** Predict into caller-owned arrays; see {@link #assign(float[], int, int[], float[])}. */
  public void predict(float[] x, int d, int[] labels, float[] probabilities) {
    labelInto(true, false, Rows.of(x, d), labels, probabilities);
  }

  /** As {@link #predict(float[], int)}, reading a direct buffer in place. */
  public int[] predict(FloatBuffer x, int d) {
    return predict(x, d, false).labels();
  }

  /** As {@link #predict(float[], int, boolean)}, reading a direct buffer in place. */
  public Assignment predict(FloatBuffer x, int d, boolean withProbabilities) {
    return label(true, Rows.of(x, d), withProbabilities, false);
  }

  /** Zero-copy predict into direct buffers; see {@link #assign(FloatBuffer, int, IntBuffer, FloatBuffer)}. */
  public void predict(FloatBuffer x, int d, IntBuffer labels, FloatBuffer probabilities) {
    labelInto(true, false, Rows.of(x, d), labels, probabilities);
  }

  // ---- Files and properties -----------------------------------------------------------

  /** Writes the model to {@code path} (atomically: a temporary file, then a rename). */
  public void save(String path) {
    call(h -> TdcmNative.tdcm_save(h, path));
  }

  /**
   * The model's bytes: exactly what {@link #save(String)} writes to a file (same format and
   * checksum), for {@link #load(byte[])} in this or another process.
   *
   * @throws TdcmException NOT_FITTED
   */
  public byte[] save() {
    byte[][] result = new byte[1][];
    call(h -> result[0] = TdcmNative.tdcm_jni_save_bytes(h));
    return result[0];
  }

  /** Number of clusters k. */
  public int getK() {
    return Math.toIntExact(getLong(TdcmNative::tdcm_get_k));
  }

  /** Input dimension d of the fitted model; 0 before fitting. */
  public int getInputDim() {
    return Math.toIntExact(getLong(TdcmNative::tdcm_get_input_dim));
  }

  /** Width of the space the centroids live in: embed_dim for TDCM, the input dim for k-means. */
  public int getEmbedDim() {
    return Math.toIntExact(getLong(TdcmNative::tdcm_get_embed_dim));
  }

  /** "tdcm", "kmeans" or "gmm". */
  public String getAlgorithm() {
    return getString(TdcmNative::tdcm_get_algorithm);
  }

  /** The device the model runs on, e.g. "cpu" or "cuda:0". */
  public String getDevice() {
    return getString(TdcmNative::tdcm_get_device);
  }

  /** The full parameter string, every key in canonical form. */
  public String getParams() {
    return getString(TdcmNative::tdcm_swig_get_params);
  }

  /** Whether the model has been fitted (or loaded fitted). */
  public boolean isFitted() {
    return getInt(TdcmNative::tdcm_is_fitted) != 0;
  }

  /** Whether {@link #adapt} has run since the last fit. */
  public boolean isAdapted() {
    return getInt(TdcmNative::tdcm_is_adapted) != 0;
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

  /** A native call on the model's handle. */
  @FunctionalInterface
  private interface NativeCall {
    void run(long handle);
  }

  /** A native getter: writes its result into {@code out[0]}. */
  @FunctionalInterface
  private interface Getter<A> {
    void get(long handle, A out);
  }

  /**
   * Runs {@code body} with the handle and the read lock held, so that close() waits for it and
   * a call after close() throws IllegalStateException.
   */
  private void call(NativeCall body) {
    lock.readLock().lock();
    try {
      long h = handle.pointer;
      if (h == 0) throw new IllegalStateException("the model is closed");
      body.run(h);
    } finally {
      lock.readLock().unlock();
      // The Cleaner must not free the handle while a native call uses it.
      Reference.reachabilityFence(this);
    }
  }

  private long getLong(Getter<long[]> getter) {
    long[] v = new long[1];
    call(h -> getter.get(h, v));
    return v[0];
  }

  private int getInt(Getter<int[]> getter) {
    int[] v = new int[1];
    call(h -> getter.get(h, v));
    return v[0];
  }

  private String getString(Getter<String[]> getter) {
    String[] v = new String[1];
    call(h -> getter.get(h, v));
    return v[0];
  }

  /**
   * A row-major input of d columns: a {@code float[]} (null stays null) or a direct,
   * native-order view of a {@link FloatBuffer} from its position; n is its number of rows.
   */
  private static final class Rows {
    final float[] array;
    final FloatBuffer buffer;
    final long n;
    final int d;

    private Rows(float[] array, FloatBuffer buffer, long length, int d) {
      if (d < 1) throw invalid("d must be at least 1, got " + d);
      if (length % d != 0) {
        throw invalid("x holds " + length + " values, not a multiple of d = " + d);
      }
      this.array = array;
      this.buffer = buffer;
      this.n = length / d;
      this.d = d;
    }

    static Rows of(float[] x, int d) {
      return new Rows(x, null, x == null ? 0 : x.length, d);
    }

    static Rows of(FloatBuffer x, int d) {
      FloatBuffer in = directInput(x, "x");
      return new Rows(null, in, in == null ? 0 : in.remaining(), d);
    }
  }

  /** assign or predict (or, withReport, assignReport) into new arrays. */
  private Assignment label(
      boolean predict, Rows x, boolean withProbabilities, boolean withReport) {
    int[] labels = new int[Math.toIntExact(x.n)];
    Assignment[] result = new Assignment[1];
    call(h -> {
      int k = withProbabilities || withReport ? kOf(h) : 0;
      float[] probs = withProbabilities ? new float[outputSize(x.n, k)] : null;
      ClusterReport[] report = withReport ? new ClusterReport[k] : null;
      TdcmNative.tdcm_label_pinned(
          h, predict ? 1 : 0, x.array, x.buffer, x.n, x.d, labels, probs, report);
      result[0] = new Assignment(labels, probs, k, report);
    });
    return result[0];
  }

  /**
   * Into Java arrays, written in place (see the JNI layer's tdcm_label_pinned); returns the
   * report if asked for, else null.
   */
  private ClusterReport[] labelInto(
      boolean predict, boolean withReport, Rows x, int[] labels, float[] probabilities) {
    checkRoom(labels == null ? -1 : labels.length, x.n, "labels", "rows");
    ClusterReport[][] result = new ClusterReport[1][];
    call(h -> {
      if (probabilities != null) {
        checkRoom(probabilities.length, x.n * kOf(h), "probabilities", "rows x k");
      }
      ClusterReport[] report = withReport ? new ClusterReport[kOf(h)] : null;
      TdcmNative.tdcm_label_pinned(
          h, predict ? 1 : 0, x.array, x.buffer, x.n, x.d, labels, probabilities, report);
      result[0] = report;
    });
    return result[0];
  }

  /** Into direct buffers, written in place; returns the report if asked for, else null. */
  private ClusterReport[] labelInto(
      boolean predict, boolean withReport, Rows x, IntBuffer labels, FloatBuffer probabilities) {
    IntBuffer out = directOutput(labels, "labels");
    FloatBuffer probs = directOutput(probabilities, "probabilities");
    checkRoom(out == null ? -1 : out.remaining(), x.n, "labels", "rows");
    ClusterReport[][] result = new ClusterReport[1][];
    call(h -> {
      if (probs != null) checkRoom(probs.remaining(), x.n * kOf(h), "probabilities", "rows x k");
      ClusterReport[] report = withReport ? new ClusterReport[kOf(h)] : null;
      TdcmNative.tdcm_label_direct(h, predict ? 1 : 0, x.buffer, x.n, x.d, out, probs, report);
      result[0] = report;
    });
    return result[0];
  }

  /** The centroids' width and whether they are in input space (1) or not (0). */
  private long[] centroidShape() {
    long[] dim = new long[1];
    int[] inputSpace = new int[1];
    call(h -> TdcmNative.tdcm_swig_get_centroid_dim(h, dim, inputSpace));
    return new long[] {dim[0], inputSpace[0]};
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

  /** An output of {@code room} entries (-1: none given) must hold {@code needed}. */
  private static void checkRoom(long room, long needed, String what, String size) {
    if (room >= 0 && room < needed) {
      throw invalid(what + " has room for " + room + " entries, not " + size + " = " + needed);
    }
  }

  /** {@code count} set ids (-1: none given) must be one per row. */
  private static void checkSetIds(long count, long n) {
    if (count >= 0 && count != n) {
      throw invalid("setIds has " + count + " entries for " + n + " rows");
    }
  }

  /** The set ids and labels of a labelled fit (-1: null) must each be one per row. */
  private static void checkLabelled(long setIds, long labels, long n) {
    if (setIds < 0) throw new TdcmException(Status.NULL_ARGUMENT, "setIds is null");
    if (labels < 0) throw new TdcmException(Status.NULL_ARGUMENT, "labels is null");
    checkSetIds(setIds, n);
    if (labels != n) throw invalid("labels has " + labels + " entries for " + n + " rows");
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
