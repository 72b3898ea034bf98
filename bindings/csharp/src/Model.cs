using System;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Tdcm
{
    /// <summary>
    /// A libtdcm model: learns how to cluster on source data (<see cref="Fit"/>), then
    /// clusters a new target data set in one pass (<see cref="Assign(float[], int)"/>), or
    /// adapts once and labels rows as they come (<see cref="Adapt"/> +
    /// <see cref="Predict(float[], int)"/>).
    /// <see cref="AssignReport(float[], int, out ClusterReport[])"/> and
    /// <see cref="GetReport"/> say, per cluster, which source cluster it continues and what
    /// changed; <see cref="GetCentroids"/> and <see cref="SetCentroids"/> take centroids out
    /// and in.
    /// </summary>
    /// <remarks>
    /// <see cref="Save()"/> and <see cref="Load(byte[], string)"/> carry a model as bytes (the
    /// model file's); <see cref="FitProgress"/> reports each epoch of a fit and can cancel it.
    /// Data are row-major float32 matrices of <c>d</c> columns in a <c>float[]</c> of
    /// rows x d values. Arrays are pinned for the length of a call and passed by address,
    /// never copied. Every failure of the library throws <see cref="TdcmException"/> with its
    /// status and message. Reading calls (Assign, Predict, Save, properties) may run from
    /// many threads at once; a modifying call (Fit, Adapt) while another runs on the model
    /// fails with <see cref="Status.Busy"/>. <see cref="Dispose"/> may be called any number of
    /// times and from any thread; the model is freed once no call uses it any more, and a
    /// call after it throws <see cref="ObjectDisposedException"/>.
    /// </remarks>
    public sealed class Model : IDisposable
    {
        private readonly ModelHandle handle;

        private Model(ModelHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>An unfitted model.</summary>
        /// <param name="parameters">Space-separated "key=value" pairs, e.g.
        /// "k=10 algo=kmeans"; see <see cref="Library.Parameters"/>.</param>
        /// <exception cref="TdcmException">UnknownParameter, BadParameter or Device.</exception>
        public static Model Create(string parameters = "")
        {
            ModelHandle h;
            TdcmNative.tdcm_create(out h, parameters ?? "");
            return new Model(h);
        }

        /// <summary>A model read from a file written by <see cref="Save(string)"/>, on the CPU, or
        /// with run-time parameters ("device", "threads", "chunk_rows") overridden.</summary>
        public static Model Load(string path, string parameters = null)
        {
            ModelHandle h;
            if (parameters == null)
            {
                TdcmNative.tdcm_load(out h, path);
            }
            else
            {
                TdcmNative.tdcm_load_with(out h, path, parameters);
            }
            return new Model(h);
        }

        /// <summary>A model read from the bytes <see cref="Save()"/> returned (or a model
        /// file's bytes), on the CPU, or with run-time parameters ("device", "threads",
        /// "chunk_rows") overridden; the same checks as a file. The bytes are copied.</summary>
        /// <exception cref="TdcmException">BadFile for truncated, corrupt or foreign bytes,
        /// UnsupportedVersion.</exception>
        public static Model Load(byte[] bytes, string parameters = null)
        {
            if (bytes == null)
            {
                throw new TdcmException(Status.NullArgument, "bytes is null");
            }
            ModelHandle h;
            if (parameters == null)
            {
                TdcmNative.tdcm_load_buffer(out h, bytes, (ulong)bytes.Length);
            }
            else
            {
                TdcmNative.tdcm_load_buffer_with(out h, bytes, (ulong)bytes.Length, parameters);
            }
            return new Model(h);
        }

        /// <summary>Raised by <see cref="Fit"/> and <see cref="FitLabelled"/> on the fitting
        /// thread after each epoch (for k-means, after each restart); set
        /// <see cref="ProgressEventArgs.Cancel"/> to cancel the fit. An exception a handler
        /// throws cancels the fit too, and the fit throws it. A handler must not call this
        /// model (the call fails with Busy).</summary>
        public event EventHandler<ProgressEventArgs> FitProgress;

        /// <summary>Trains on one source data set, or on a collection of them: rows with
        /// equal <paramref name="setIds"/> form one data set. Replaces any earlier fit.</summary>
        /// <exception cref="TdcmException">Cancelled when a <see cref="FitProgress"/> handler
        /// cancelled it.</exception>
        public void Fit(float[] x, int d, long[] setIds = null)
        {
            long n = Rows(x, d);
            if (setIds != null && setIds.Length != n)
            {
                throw Invalid("setIds has " + setIds.Length + " entries for " + n + " rows");
            }
            Fitting(() => TdcmNative.tdcm_fit(Handle(), x, n, d, setIds),
                    callback => TdcmNative.tdcm_fit_progress(Handle(), x, n, d, setIds, callback,
                                                             IntPtr.Zero));
        }

        /// <summary>Trains on a collection of source data sets with a label per row:
        /// <paramref name="labels"/>[i] is the cluster of row i within its set
        /// (<paramref name="setIds"/>[i]; cluster ids need not agree across sets). The family
        /// metric (parameter collection) is then estimated from these labelled clusters rather
        /// than from the fit's own clustering of each set; later sets are still clustered
        /// without labels. Raises <see cref="FitProgress"/> as <see cref="Fit"/> does.</summary>
        /// <exception cref="TdcmException">NullArgument for a null
        /// <paramref name="setIds"/> or <paramref name="labels"/>; InvalidArgument for arrays
        /// that are not one entry per row, a negative label, a single set, or a model that is
        /// not algo=tdcm with metric=gaussian and collection auto or family; Cancelled when a
        /// <see cref="FitProgress"/> handler cancelled it.</exception>
        public void FitLabelled(float[] x, int d, long[] setIds, int[] labels)
        {
            long n = Rows(x, d);
            if (setIds == null)
            {
                throw new TdcmException(Status.NullArgument, "setIds is null");
            }
            if (labels == null)
            {
                throw new TdcmException(Status.NullArgument, "labels is null");
            }
            if (setIds.Length != n)
            {
                throw Invalid("setIds has " + setIds.Length + " entries for " + n + " rows");
            }
            if (labels.Length != n)
            {
                throw Invalid("labels has " + labels.Length + " entries for " + n + " rows");
            }
            Fitting(() => TdcmNative.tdcm_fit_labelled(Handle(), x, n, d, setIds, labels),
                    callback => TdcmNative.tdcm_fit_labelled_progress(Handle(), x, n, d, setIds,
                                                                      labels, callback,
                                                                      IntPtr.Zero));
        }

        // A fit: without FitProgress handlers `plain`, else `withProgress` with a callback that
        // raises the event.
        private void Fitting(Action plain, Action<ProgressNative> withProgress)
        {
            EventHandler<ProgressEventArgs> handler = FitProgress;
            if (handler == null)
            {
                plain();
                return;
            }
            // No exception may unwind through the library's frames: the callback keeps a
            // handler's exception, cancels, and it is thrown again once the library returned.
            Exception thrown = null;
            ProgressNative callback = (progress, userData) =>
            {
                try
                {
                    var args = new ProgressEventArgs(
                        (Progress)Marshal.PtrToStructure(progress, typeof(Progress)));
                    handler(this, args);
                    return args.Cancel ? 1 : 0;
                }
                catch (Exception e)
                {
                    thrown = e;
                    return 1;
                }
            };
            try
            {
                withProgress(callback);
            }
            catch (TdcmException) when (thrown != null)
            {
                ExceptionDispatchInfo.Capture(thrown).Throw();
                throw;
            }
            finally
            {
                GC.KeepAlive(callback);
            }
        }

        /// <summary>Clusters a target data set in one forward pass (the centroids adapt to
        /// all rows; the model is not changed) and returns one label per row.</summary>
        public int[] Assign(float[] x, int d)
        {
            var labels = new int[Rows(x, d)];
            Assign(x, d, labels, null);
            return labels;
        }

        /// <summary>As <see cref="Assign(float[], int)"/>, with the rows x k soft
        /// assignments.</summary>
        public int[] Assign(float[] x, int d, out float[] probabilities)
        {
            long n = Rows(x, d);
            var labels = new int[n];
            probabilities = new float[checked(n * K)];
            Assign(x, d, labels, probabilities);
            return labels;
        }

        /// <summary>Assign into caller-owned arrays (rows labels; rows x k probabilities, or
        /// null), for reuse across calls.</summary>
        public void Assign(float[] x, int d, int[] labels, float[] probabilities)
        {
            long n = Rows(x, d);
            CheckOutputs(n, labels, probabilities);
            TdcmNative.tdcm_assign(Handle(), x, n, d, labels, probabilities);
        }

        /// <summary>As <see cref="Assign(float[], int)"/>, and the report of the target's
        /// clusters (k entries, entry j for label j): the source cluster each continues, how
        /// confident that match is, how far it moved and its sizes.</summary>
        /// <exception cref="TdcmException">InvalidArgument when the model has no source
        /// clusters (fitted on a collection of sets, or metric=shared).</exception>
        public int[] AssignReport(float[] x, int d, out ClusterReport[] report)
        {
            var labels = new int[Rows(x, d)];
            report = AssignReport(x, d, labels, null);
            return labels;
        }

        /// <summary>As <see cref="AssignReport(float[], int, out ClusterReport[])"/>, with the
        /// rows x k soft assignments.</summary>
        public int[] AssignReport(float[] x, int d, out float[] probabilities,
                                  out ClusterReport[] report)
        {
            long n = Rows(x, d);
            var labels = new int[n];
            probabilities = new float[checked(n * K)];
            report = AssignReport(x, d, labels, probabilities);
            return labels;
        }

        /// <summary>AssignReport into caller-owned arrays (rows labels; rows x k
        /// probabilities, or null); returns the report.</summary>
        public ClusterReport[] AssignReport(float[] x, int d, int[] labels, float[] probabilities)
        {
            long n = Rows(x, d);
            CheckOutputs(n, labels, probabilities);
            var report = new ClusterReport[K];
            TdcmNative.tdcm_assign_report(Handle(), x, n, d, labels, probabilities, report);
            return report;
        }

        /// <summary>The report of the set the model was last adapted to
        /// (<see cref="Adapt"/>), as <see cref="AssignReport(float[], int, out ClusterReport[])"/>
        /// gives it for that set.</summary>
        /// <exception cref="TdcmException">NotFitted, NotAdapted, or InvalidArgument (no
        /// source clusters).</exception>
        public ClusterReport[] GetReport()
        {
            var report = new ClusterReport[K];
            TdcmNative.tdcm_get_report(Handle(), report);
            return report;
        }

        /// <summary>Width of the centroids <see cref="GetCentroids"/> returns: the input
        /// dimension where they are in input coordinates (<see cref="CentroidsInInputSpace"/>),
        /// else the embedding's.</summary>
        /// <exception cref="TdcmException">NotFitted.</exception>
        public int CentroidDim
        {
            get
            {
                long dim;
                int inputSpace;
                TdcmNative.tdcm_swig_get_centroid_dim(Handle(), out dim, out inputSpace);
                return checked((int)dim);
            }
        }

        /// <summary>Whether the centroids are in input coordinates (k-means, gmm, TDCM with
        /// encoder=identity), rather than in a learned encoder's embedding.</summary>
        /// <exception cref="TdcmException">NotFitted.</exception>
        public bool CentroidsInInputSpace
        {
            get
            {
                long dim;
                int inputSpace;
                TdcmNative.tdcm_swig_get_centroid_dim(Handle(), out dim, out inputSpace);
                return inputSpace != 0;
            }
        }

        /// <summary>The source's (fitted, or given to <see cref="SetCentroids"/>) or the
        /// adapted centroids: k rows of <see cref="CentroidDim"/> values, row-major.</summary>
        /// <exception cref="TdcmException">NotFitted, NotAdapted (adapted ones before
        /// <see cref="Adapt"/>), or InvalidArgument (source ones after a fit on a collection
        /// of sets).</exception>
        public float[] GetCentroids(Centroids which)
        {
            int k = K;
            int dim = CentroidDim;
            var centroids = new float[checked((long)k * dim)];
            TdcmNative.tdcm_get_centroids(Handle(), (int)which, centroids, k, dim);
            return centroids;
        }

        /// <summary>Starts from the caller's own centroids: k rows of d values, row-major, in
        /// the space <see cref="GetCentroids"/> uses. On an unfitted model of algo=kmeans (or
        /// TDCM with encoder=identity and metric=gaussian) they make it fitted, d being the
        /// input width; on a fitted model they replace the source centroids and drop any
        /// adaptation.</summary>
        /// <exception cref="TdcmException">InvalidArgument (e.g. not k rows), Shape,
        /// NonFinite.</exception>
        public void SetCentroids(float[] centroids, int d)
        {
            long k = Rows(centroids, d);
            TdcmNative.tdcm_set_centroids(Handle(), centroids, k, d);
        }

        /// <summary>Adapts the centroids to a target domain (all rows) and keeps them for
        /// <see cref="Predict(float[], int)"/>.</summary>
        public void Adapt(float[] x, int d)
        {
            long n = Rows(x, d);
            TdcmNative.tdcm_adapt(Handle(), x, n, d);
        }

        /// <summary>Labels rows against the adapted centroids (rows are independent).</summary>
        public int[] Predict(float[] x, int d)
        {
            var labels = new int[Rows(x, d)];
            Predict(x, d, labels, null);
            return labels;
        }

        /// <summary>As <see cref="Predict(float[], int)"/>, with the soft assignments.</summary>
        public int[] Predict(float[] x, int d, out float[] probabilities)
        {
            long n = Rows(x, d);
            var labels = new int[n];
            probabilities = new float[checked(n * K)];
            Predict(x, d, labels, probabilities);
            return labels;
        }

        /// <summary>Predict into caller-owned arrays.</summary>
        public void Predict(float[] x, int d, int[] labels, float[] probabilities)
        {
            long n = Rows(x, d);
            CheckOutputs(n, labels, probabilities);
            TdcmNative.tdcm_predict(Handle(), x, n, d, labels, probabilities);
        }

        /// <summary>Writes the model to <paramref name="path"/> (atomically).</summary>
        public void Save(string path)
        {
            TdcmNative.tdcm_save(Handle(), path);
        }

        /// <summary>The model's bytes: exactly what <see cref="Save(string)"/> writes to a file
        /// (same format and checksum), for <see cref="Load(byte[], string)"/> in this or
        /// another process.</summary>
        /// <exception cref="TdcmException">NotFitted.</exception>
        public byte[] Save()
        {
            ModelHandle h = Handle();
            ulong needed;
            int status = TdcmNative.tdcm_save_buffer(h, null, 0, out needed);
            byte[] bytes = new byte[0];
            // A fit on another thread between the size query and the copy may change the
            // size: query again, a few times at most.
            for (int tries = 0; status == (int)Status.InvalidArgument &&
                                needed > (ulong)bytes.Length && tries < 8; ++tries)
            {
                bytes = new byte[checked((int)needed)];
                status = TdcmNative.tdcm_save_buffer(h, bytes, (ulong)bytes.Length, out needed);
            }
            if (status != 0)
            {
                throw TdcmException.FromLastError(status);
            }
            if ((ulong)bytes.Length != needed)
            {
                Array.Resize(ref bytes, checked((int)needed)); // it shrank between query and copy
            }
            return bytes;
        }

        /// <summary>Number of clusters k.</summary>
        public int K
        {
            get
            {
                long v;
                TdcmNative.tdcm_get_k(Handle(), out v);
                return checked((int)v);
            }
        }

        /// <summary>Input dimension of the fitted model; 0 before fitting.</summary>
        public int InputDim
        {
            get
            {
                long v;
                TdcmNative.tdcm_get_input_dim(Handle(), out v);
                return checked((int)v);
            }
        }

        /// <summary>Width of the space the centroids live in: embed_dim for TDCM, the input
        /// dimension for k-means.</summary>
        public int EmbedDim
        {
            get
            {
                long v;
                TdcmNative.tdcm_get_embed_dim(Handle(), out v);
                return checked((int)v);
            }
        }

        /// <summary>"tdcm", "kmeans" or "gmm".</summary>
        public string Algorithm
        {
            get
            {
                string v;
                TdcmNative.tdcm_get_algorithm(Handle(), out v);
                return v;
            }
        }

        /// <summary>The device the model runs on, e.g. "cpu" or "cuda:0".</summary>
        public string Device
        {
            get
            {
                string v;
                TdcmNative.tdcm_get_device(Handle(), out v);
                return v;
            }
        }

        /// <summary>The full parameter string, every key in canonical form.</summary>
        public string Parameters
        {
            get
            {
                string v;
                TdcmNative.tdcm_swig_get_params(Handle(), out v);
                return v;
            }
        }

        /// <summary>Whether the model has been fitted (or loaded fitted).</summary>
        public bool IsFitted
        {
            get
            {
                int v;
                TdcmNative.tdcm_is_fitted(Handle(), out v);
                return v != 0;
            }
        }

        /// <summary>Whether <see cref="Adapt"/> has run since the last fit.</summary>
        public bool IsAdapted
        {
            get
            {
                int v;
                TdcmNative.tdcm_is_adapted(Handle(), out v);
                return v != 0;
            }
        }

        /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
        public bool IsDisposed
        {
            get { return handle.IsClosed; }
        }

        /// <summary>Frees the native model once no call uses it; a second call does
        /// nothing.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }

        private ModelHandle Handle()
        {
            if (handle.IsClosed)
            {
                throw new ObjectDisposedException(GetType().FullName, "the model is disposed");
            }
            return handle;
        }

        private static long Rows(float[] x, int d)
        {
            if (d < 1)
            {
                throw Invalid("d must be at least 1, got " + d);
            }
            if (x == null)
            {
                return 0; // the library reports the NULL argument
            }
            if (x.Length % d != 0)
            {
                throw Invalid("x holds " + x.Length + " values, not a multiple of d = " + d);
            }
            return x.Length / d;
        }

        private void CheckOutputs(long n, int[] labels, float[] probabilities)
        {
            if (labels != null && labels.Length < n)
            {
                throw Invalid("labels has room for " + labels.Length + " of " + n + " rows");
            }
            if (probabilities != null)
            {
                long needed = n * K;
                if (probabilities.Length < needed)
                {
                    throw Invalid("probabilities has room for " + probabilities.Length + " of " +
                                  needed + " values");
                }
            }
        }

        private static TdcmException Invalid(string message)
        {
            return new TdcmException(Status.InvalidArgument, message);
        }
    }
}
