/**
 * @file tdcm.h
 * @brief libtdcm — transferable deep clustering behind a stable C ABI.
 *
 * A model learns how to cluster on a source data set (or a collection of
 * source data sets) with tdcm_fit(); on a new target data set tdcm_assign()
 * adapts the cluster centroids to the target in one forward pass and labels
 * every row. tdcm_adapt() + tdcm_predict() split that into "adapt once, then
 * label rows as they come".
 *
 * Conventions (every function):
 * - Every function but tdcm_destroy() returns a ::tdcm_status; ::TDCM_OK is 0.
 *   On failure tdcm_last_error() describes it and the model is unchanged.
 * - Input matrices are row-major float32, @p n rows of @p d columns; sizes
 *   are 64-bit. Outputs are allocated by the caller. The library never keeps
 *   a caller's pointer after a call returns.
 * - Thread-safety: calls that only read a model (tdcm_assign, tdcm_predict,
 *   tdcm_assign_report, tdcm_get_report, tdcm_get_centroids, tdcm_save,
 *   tdcm_save_buffer, the getters) may run on one model from many threads at
 *   once.
 *   A call that modifies a model (tdcm_fit, tdcm_adapt, tdcm_set_centroids,
 *   tdcm_set_progress_callback) while any other call runs on the same model
 *   is refused with ::TDCM_ERR_BUSY, and so is a reading call while a
 *   modifying call runs. Different models are independent.
 */
#ifndef TDCM_TDCM_H
#define TDCM_TDCM_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#if defined(TDCM_BUILDING_LIBRARY)
#define TDCM_API __declspec(dllexport)
#else
#define TDCM_API __declspec(dllimport)
#endif
#else
#define TDCM_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** @name Version
 *  The compile-time version of this header; tdcm_version() gives the
 *  library's at run time.
 *  @{ */
#define TDCM_VERSION_MAJOR 0
#define TDCM_VERSION_MINOR 1
#define TDCM_VERSION_PATCH 0
#define TDCM_VERSION_STRING "0.1.0"
/** @} */

/** Status codes returned by every function except tdcm_destroy(). */
typedef enum tdcm_status {
  TDCM_OK = 0,                       /**< Success. */
  TDCM_ERR_NULL_ARGUMENT = 1,        /**< A required pointer argument was NULL. */
  TDCM_ERR_INVALID_ARGUMENT = 2,     /**< A size or value is out of range (e.g. n < k). */
  TDCM_ERR_UNKNOWN_PARAMETER = 3,    /**< A parameter string names an unknown key. */
  TDCM_ERR_BAD_PARAMETER = 4,        /**< A parameter value is malformed or out of range. */
  TDCM_ERR_NON_FINITE = 5,           /**< The input holds NaN or Inf. */
  TDCM_ERR_SHAPE = 6,                /**< The input dimension differs from the fitted one. */
  TDCM_ERR_NOT_FITTED = 7,           /**< The model has not been fitted (or loaded). */
  TDCM_ERR_NOT_ADAPTED = 8,          /**< tdcm_predict() before tdcm_adapt(). */
  TDCM_ERR_IO = 9,                   /**< A file could not be opened, read or written. */
  TDCM_ERR_BAD_FILE = 10,            /**< A model file is truncated, corrupt or foreign. */
  TDCM_ERR_UNSUPPORTED_VERSION = 11, /**< A model file of a newer format version. */
  TDCM_ERR_DEVICE = 12,              /**< The requested device is not available. */
  TDCM_ERR_BUSY = 13,                /**< The model is in use by a conflicting call. */
  TDCM_ERR_OUT_OF_MEMORY = 14,       /**< An allocation failed. */
  TDCM_ERR_CANCELLED = 15,           /**< The progress callback asked to stop. */
  TDCM_ERR_INTERNAL = 16,            /**< An unexpected internal error. */
  TDCM_ERR_DIVERGED = 17,            /**< Training produced a non-finite loss (try a lower lr). */
  TDCM_ERR_DISTRIBUTED = 18,         /**< A distributed call failed: a peer died or left, the
                                          ranks disagree (call, parameters, d, k), another rank
                                          failed its own checks, or the rendezvous failed. */
  TDCM_ERR_TIMEOUT = 19              /**< A rank did not arrive, or a collective did not
                                          complete, within the communicator's timeout. */
} tdcm_status;

/** Opaque model handle. Create with tdcm_create() or tdcm_load(); free with
 *  tdcm_destroy(). */
typedef struct tdcm_model tdcm_model;

/** Clustering quality of a labelling against ground truth. */
typedef struct tdcm_metrics_result {
  double nmi; /**< Normalized mutual information, arithmetic normalisation. */
  double ari; /**< Adjusted Rand index. */
  double acc; /**< Accuracy under the best one-to-one cluster-to-label map. */
} tdcm_metrics_result;

/** Description of one parameter key, as listed by tdcm_param_info(). All
 *  strings are owned by the library and live as long as the process. */
typedef struct tdcm_param_desc {
  const char *name;          /**< Key, e.g. "k". */
  const char *type;          /**< "int", "float", "bool", "enum" or "string". */
  const char *default_value; /**< Default as text. */
  const char *range;         /**< Allowed values, e.g. "[2, 100000]" or "tdcm|kmeans". */
  const char *help;          /**< One-line description. */
} tdcm_param_desc;

/** Progress of tdcm_fit(), reported once per epoch. */
typedef struct tdcm_progress {
  int32_t epoch;    /**< Epochs completed so far (1-based). */
  int32_t epochs;   /**< Total epochs of this fit (pretrain_epochs + epochs). */
  double loss;      /**< Mean total loss of the epoch: loss_clu + beta*loss_bal +
                         gamma*loss_orth + contrastive * the NT-Xent term +
                         separation * the centroid-overlap term +
                         reconstruction * the reconstruction MSE (so those parts
                         are what it exceeds the other three by). In the
                         first pretrain_epochs epochs (the autoencoder warm start):
                         the mean reconstruction error (MSE), the terms below 0. */
  double loss_clu;  /**< Mean clustering term. */
  double loss_bal;  /**< Mean balance term (before its weight beta). */
  double loss_orth; /**< Mean orthogonality term (before its weight gamma). */
  double elapsed_s; /**< Seconds since the fit started. */
} tdcm_progress;

/** Progress callback: called on the fitting thread after each epoch (for
 *  k-means, after each restart). Return 0 to continue, non-zero to cancel
 *  the fit, which then fails with ::TDCM_ERR_CANCELLED and leaves the model
 *  unchanged. It must not call functions on the same model. */
typedef int (*tdcm_progress_fn)(const tdcm_progress *progress, void *user_data);

/* ------------------------------------------------------------------------ */

/** @return The library's version, e.g. "0.1.0". Static storage; never NULL.
 *  Thread-safe. */
TDCM_API const char *tdcm_version(void);

/** @return The message of the last failed call on the calling thread, or ""
 *  if none. Owned by the library, valid until the next failing call on the
 *  same thread; never NULL. Thread-local, so thread-safe. */
TDCM_API const char *tdcm_last_error(void);

/** @return A constant name for a status code, e.g. "TDCM_ERR_SHAPE"; never
 *  NULL. Thread-safe. */
TDCM_API const char *tdcm_status_name(tdcm_status status);

/** Number of parameter keys that tdcm_create() accepts.
 *  @param[out] count Receives the count.
 *  @return ::TDCM_OK or ::TDCM_ERR_NULL_ARGUMENT. Thread-safe. */
TDCM_API tdcm_status tdcm_param_count(size_t *count);

/** Description of parameter @p index (0-based, < tdcm_param_count()).
 *  @param[in] index Which parameter.
 *  @param[out] desc Receives pointers to library-owned strings.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT or ::TDCM_ERR_INVALID_ARGUMENT.
 *  Thread-safe. */
TDCM_API tdcm_status tdcm_param_info(size_t index, tdcm_param_desc *desc);

/** Create an unfitted model.
 *  @param[out] out Receives the new handle; set to NULL on failure. The
 *              caller owns it and frees it with tdcm_destroy().
 *  @param[in] params Space-separated "key=value" pairs (NULL or "" for all
 *              defaults); see tdcm_param_info() for the keys.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_UNKNOWN_PARAMETER,
 *          ::TDCM_ERR_BAD_PARAMETER, ::TDCM_ERR_DEVICE. Thread-safe. */
TDCM_API tdcm_status tdcm_create(tdcm_model **out, const char *params);

/** Free a model. NULL is a no-op. Must not race with other calls on the same
 *  model. */
TDCM_API void tdcm_destroy(tdcm_model *model);

/** Install (or with @p fn NULL, remove) the progress callback of tdcm_fit().
 *  @param[in,out] model The model.
 *  @param[in] fn Callback or NULL.
 *  @param[in] user_data Passed back to @p fn unchanged; not owned.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_BUSY. */
TDCM_API tdcm_status tdcm_set_progress_callback(tdcm_model *model, tdcm_progress_fn fn,
                                                void *user_data);

/** Train the model on a source data set, or on a collection of source data
 *  sets. Replaces any earlier fit and drops adapted centroids.
 *  @param[in,out] model The model.
 *  @param[in] x Row-major n x d float32 rows; finite values only.
 *  @param[in] n Rows (>= k, and >= k in every data set of a collection).
 *  @param[in] d Columns (>= 1).
 *  @param[in] set_ids NULL for one data set; otherwise n data-set ids
 *             (any int64 values; rows with equal ids form one data set). A
 *             training mini-batch never mixes data sets.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT,
 *          ::TDCM_ERR_SHAPE (d differs from the C*H*W of input_shape),
 *          ::TDCM_ERR_NON_FINITE, ::TDCM_ERR_CANCELLED, ::TDCM_ERR_DIVERGED,
 *          ::TDCM_ERR_BUSY, ::TDCM_ERR_OUT_OF_MEMORY, ::TDCM_ERR_DEVICE. */
TDCM_API tdcm_status tdcm_fit(tdcm_model *model, const float *x, int64_t n, int64_t d,
                              const int64_t *set_ids);

/** As tdcm_fit(), reporting progress to @p fn for this call only: the
 *  model's own callback (tdcm_set_progress_callback()) is neither called nor
 *  changed. For hosts whose callback belongs to one call on one thread (a
 *  language binding's per-call context), where installing it on the model
 *  would race with another thread's fit.
 *  @param[in] fn Callback, called as the model's would be; NULL reports nothing.
 *  @param[in] user_data Passed back to @p fn unchanged; not owned, not kept.
 *  @return as tdcm_fit(). */
TDCM_API tdcm_status tdcm_fit_progress(tdcm_model *model, const float *x, int64_t n, int64_t d,
                                       const int64_t *set_ids, tdcm_progress_fn fn,
                                       void *user_data);

/** As tdcm_fit() on a collection of source sets, with a label per row: the
 *  cluster of the row within its data set (ids need not agree across sets).
 *  The family metric (parameter collection) is then estimated from the
 *  labelled clusters rather than from the fit's own clustering of each set;
 *  later sets are still clustered without labels.
 *  @param[in] set_ids n data-set ids (at least two distinct sets).
 *  @param[in] labels n cluster ids, each >= 0.
 *  @return as tdcm_fit(); ::TDCM_ERR_INVALID_ARGUMENT unless algo=tdcm,
 *          metric=gaussian and collection is auto or family, or for a
 *          negative label or a single set. */
TDCM_API tdcm_status tdcm_fit_labelled(tdcm_model *model, const float *x, int64_t n, int64_t d,
                                       const int64_t *set_ids, const int32_t *labels);

/** As tdcm_fit_labelled(), reporting progress to @p fn for this call only, as
 *  tdcm_fit_progress() does for tdcm_fit(): the model's own callback is
 *  neither called nor changed.
 *  @param[in] fn Callback, called as the model's would be; NULL reports nothing.
 *  @param[in] user_data Passed back to @p fn unchanged; not owned, not kept.
 *  @return as tdcm_fit_labelled(). */
TDCM_API tdcm_status tdcm_fit_labelled_progress(tdcm_model *model, const float *x, int64_t n,
                                                int64_t d, const int64_t *set_ids,
                                                const int32_t *labels, tdcm_progress_fn fn,
                                                void *user_data);

/** Cluster a target data set in one forward pass: adapt the centroids to all
 *  n rows (chunked, bounded memory), then label each row. The model is not
 *  changed. For k-means the fixed fitted centroids are used.
 *  @param[in] model A fitted model.
 *  @param[in] x Row-major n x d float32, d equal to the fitted input dim.
 *  @param[in] n Rows (>= 1).
 *  @param[in] d Columns.
 *  @param[out] labels n cluster ids in [0, k).
 *  @param[out] probs NULL, or n x k row-major soft assignments (rows sum to 1).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT,
 *          ::TDCM_ERR_NOT_FITTED, ::TDCM_ERR_SHAPE, ::TDCM_ERR_NON_FINITE,
 *          ::TDCM_ERR_BUSY, ::TDCM_ERR_OUT_OF_MEMORY. Thread-safe. */
TDCM_API tdcm_status tdcm_assign(tdcm_model *model, const float *x, int64_t n, int64_t d,
                                 int32_t *labels, float *probs);

/** Adapt the centroids to a target domain (all n rows) and keep them in the
 *  model for tdcm_predict(). For k-means: Lloyd iterations on the target
 *  started from the fitted centroids.
 *  @return as tdcm_assign() (without outputs). Modifies the model. */
TDCM_API tdcm_status tdcm_adapt(tdcm_model *model, const float *x, int64_t n, int64_t d);

/** Label rows against the adapted centroids, without adapting again; rows
 *  are independent, so n may be 1.
 *  @param[out] labels n cluster ids; @param[out] probs NULL or n x k.
 *  @return as tdcm_assign(), plus ::TDCM_ERR_NOT_ADAPTED. Thread-safe. */
TDCM_API tdcm_status tdcm_predict(tdcm_model *model, const float *x, int64_t n, int64_t d,
                                  int32_t *labels, float *probs);

/** Write the model to @p path: written to a temporary file next to it, then
 *  renamed, so a good file is never replaced by a partial one.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_NOT_FITTED,
 *          ::TDCM_ERR_IO, ::TDCM_ERR_BUSY. Thread-safe. */
TDCM_API tdcm_status tdcm_save(tdcm_model *model, const char *path);

/** Read a model written by tdcm_save(), onto the CPU whatever device trained
 *  it (pass "device=..." to tdcm_load_with() to choose another).
 *  @param[out] out Receives a new handle (NULL on failure).
 *  @param[in] path File to read.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_IO,
 *          ::TDCM_ERR_BAD_FILE, ::TDCM_ERR_UNSUPPORTED_VERSION. Thread-safe. */
TDCM_API tdcm_status tdcm_load(tdcm_model **out, const char *path);

/** As tdcm_load(), then override run-time parameters (only "device",
 *  "threads" and "chunk_rows" may be given).
 *  @return as tdcm_load(), plus ::TDCM_ERR_UNKNOWN_PARAMETER,
 *          ::TDCM_ERR_BAD_PARAMETER, ::TDCM_ERR_DEVICE. */
TDCM_API tdcm_status tdcm_load_with(tdcm_model **out, const char *path, const char *params);

/** @name Model bytes in memory
 *  The bytes of a model file, without the file: what tdcm_save() writes,
 *  byte for byte (same format, same checksum), and read back with the same
 *  checks as tdcm_load(). For hosts that ship a model to other processes
 *  (e.g. a JVM executor receiving it over the network) or keep it in a
 *  database. A buffer from elsewhere is untrusted input, as a file is: any
 *  bytes give a model or ::TDCM_ERR_BAD_FILE (SECURITY.md).
 *  @{ */
/** Serialise the model into @p buf of @p capacity bytes.
 *  To size the buffer, call with @p capacity 0 (and @p buf NULL): that fails
 *  with ::TDCM_ERR_INVALID_ARGUMENT and sets @p needed, as tdcm_get_params()
 *  does. A size query serialises the model once, to count; a fit on another
 *  thread between the query and the copy may change the size, which the
 *  copy then reports the same way.
 *  @param[in] model A fitted model.
 *  @param[out] buf At least @p capacity writable bytes (NULL when @p capacity is 0).
 *  @param[in] capacity Bytes in @p buf.
 *  @param[out] needed If not NULL, receives the model's size in bytes (also
 *              on ::TDCM_ERR_INVALID_ARGUMENT for a too small buffer).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_NOT_FITTED,
 *          ::TDCM_ERR_INVALID_ARGUMENT (buffer too small; nothing written),
 *          ::TDCM_ERR_BUSY, ::TDCM_ERR_OUT_OF_MEMORY. Thread-safe (a reading call). */
TDCM_API tdcm_status tdcm_save_buffer(tdcm_model *model, void *buf, size_t capacity,
                                      size_t *needed);

/** Read a model from the bytes tdcm_save_buffer() or tdcm_save() wrote, onto
 *  the CPU. The bytes are copied: @p data may be freed once the call returns.
 *  Every size the bytes declare is checked against @p size before anything
 *  is allocated.
 *  @param[out] out Receives a new handle (NULL on failure).
 *  @param[in] data @p size bytes (may be NULL only when @p size is 0).
 *  @param[in] size Bytes at @p data.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_BAD_FILE (truncated,
 *          corrupt or foreign bytes), ::TDCM_ERR_UNSUPPORTED_VERSION,
 *          ::TDCM_ERR_OUT_OF_MEMORY. Thread-safe. */
TDCM_API tdcm_status tdcm_load_buffer(tdcm_model **out, const void *data, size_t size);

/** As tdcm_load_buffer(), then override run-time parameters, as tdcm_load_with().
 *  @return as tdcm_load_buffer(), plus ::TDCM_ERR_UNKNOWN_PARAMETER,
 *          ::TDCM_ERR_BAD_PARAMETER, ::TDCM_ERR_DEVICE. */
TDCM_API tdcm_status tdcm_load_buffer_with(tdcm_model **out, const void *data, size_t size,
                                           const char *params);
/** @} */

/** @name Getters
 *  Each writes one property to its out-pointer. They return ::TDCM_OK,
 *  ::TDCM_ERR_NULL_ARGUMENT or ::TDCM_ERR_BUSY, and are thread-safe.
 *  Dimensions are 0 before the model is fitted where they depend on data.
 *  @{ */
/** Number of clusters K. @param[in] model The model. @param[out] k Receives K. */
TDCM_API tdcm_status tdcm_get_k(tdcm_model *model, int64_t *k);
/** Input columns d the model was fitted on (0 before fitting).
 *  @param[in] model The model. @param[out] dim Receives d. */
TDCM_API tdcm_status tdcm_get_input_dim(tdcm_model *model, int64_t *dim);
/** Width of the space the centroids live in: embed_dim for TDCM, the input
 *  dim for k-means. @param[in] model The model. @param[out] dim Receives it. */
TDCM_API tdcm_status tdcm_get_embed_dim(tdcm_model *model, int64_t *dim);
/** Algorithm name, "tdcm", "kmeans" or "gmm".
 *  @param[in] model The model.
 *  @param[out] name Receives a library-owned string, valid while the model lives. */
TDCM_API tdcm_status tdcm_get_algorithm(tdcm_model *model, const char **name);
/** Device the model computes on, e.g. "cpu" or "cuda:0".
 *  @param[in] model The model.
 *  @param[out] name Receives a library-owned string, valid while the model lives. */
TDCM_API tdcm_status tdcm_get_device(tdcm_model *model, const char **name);
/** Whether the model is fitted (by tdcm_fit or tdcm_load).
 *  @param[in] model The model. @param[out] fitted Receives 1 or 0. */
TDCM_API tdcm_status tdcm_is_fitted(tdcm_model *model, int *fitted);
/** Whether the model holds adapted centroids (from tdcm_adapt).
 *  @param[in] model The model. @param[out] adapted Receives 1 or 0. */
TDCM_API tdcm_status tdcm_is_adapted(tdcm_model *model, int *adapted);
/** The model's full parameter string (every key, canonical form), copied
 *  into @p buf of @p capacity bytes including the terminating NUL.
 *  @param[out] needed If not NULL, receives the bytes needed, NUL included.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT
 *          (buffer too small; @p needed is still set). */
TDCM_API tdcm_status tdcm_get_params(tdcm_model *model, char *buf, size_t capacity, size_t *needed);
/** @} */

/** @name Cluster identities and the per-cluster report
 *  After a fit on one source set (or tdcm_set_centroids()), labels of later
 *  sets keep the source's numbering where the model can match clusters
 *  (algo=tdcm with metric=gaussian, the default; algo=gmm and algo=kmeans
 *  adapt from the fitted clusters, so they keep whatever numbering local
 *  iteration keeps). The report says, for each cluster, how well the
 *  numbering holds and what changed.
 *  @{ */
/** Flag: no source cluster matches this cluster confidently (confidence < 0.5). */
#define TDCM_CLUSTER_UNMATCHED 1
/** Flag: its centre moved more than 3 of its own spreads (Mahalanobis, source covariance). */
#define TDCM_CLUSTER_MOVED_FAR 2
/** Flag: its share of the rows fell below half its share on the source. */
#define TDCM_CLUSTER_SHRANK 4

/** One cluster of a target set, against the source. */
typedef struct tdcm_cluster_report {
  int32_t cluster;        /**< Its label on the target. */
  int32_t source_cluster; /**< The source cluster it continues (its label on the source). */
  int32_t flags;          /**< TDCM_CLUSTER_* bits. */
  double confidence;      /**< Match confidence in [0, 1]: the posterior probability of
                               this pairing among all source clusters, under a drift model
                               of positions and shapes fitted to the matched pairs. */
  double shift;           /**< How far its centre moved, in units of the source cluster's
                               spread: sqrt(dmu^T Sigma_source^-1 dmu); without source
                               covariances (centroids set by the user), Euclidean. */
  int64_t source_size;    /**< Rows labelled with it on the source (0 if unknown). */
  int64_t target_size;    /**< Rows labelled with it on the target. */
} tdcm_cluster_report;

/** As tdcm_assign(), and the report of the target's clusters.
 *  @param[out] report k entries (entry j describes label j).
 *  @return as tdcm_assign(), plus ::TDCM_ERR_INVALID_ARGUMENT when the model
 *          has no source clusters (fitted on a collection of sets, or
 *          metric=shared). Thread-safe. */
TDCM_API tdcm_status tdcm_assign_report(tdcm_model *model, const float *x, int64_t n, int64_t d,
                                        int32_t *labels, float *probs, tdcm_cluster_report *report);

/** The report of the set the model was last adapted to (tdcm_adapt()).
 *  @param[out] report k entries.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_NOT_FITTED,
 *          ::TDCM_ERR_NOT_ADAPTED, ::TDCM_ERR_INVALID_ARGUMENT (no source
 *          clusters), ::TDCM_ERR_BUSY. Thread-safe. */
TDCM_API tdcm_status tdcm_get_report(tdcm_model *model, tdcm_cluster_report *report);
/** @} */

/** @name Centroids in and out
 *  @{ */
/** Which centroids tdcm_get_centroids() returns. */
typedef enum tdcm_centroids {
  TDCM_CENTROIDS_SOURCE = 0, /**< Fitted on the source (or set by tdcm_set_centroids()). */
  TDCM_CENTROIDS_ADAPTED = 1 /**< Adapted by the last tdcm_adapt(). */
} tdcm_centroids;

/** The space centroids are given in. */
typedef enum tdcm_space {
  TDCM_SPACE_INPUT = 0,    /**< Input coordinates (k-means, gmm, tdcm with encoder=identity). */
  TDCM_SPACE_EMBEDDING = 1 /**< The encoder's embedding (a learned encoder). */
} tdcm_space;

/** Width of the centroids tdcm_get_centroids() returns, and their space.
 *  @param[out] dim Receives the width. @param[out] space NULL, or receives a ::tdcm_space.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_NOT_FITTED, ::TDCM_ERR_BUSY.
 *  Thread-safe. */
TDCM_API tdcm_status tdcm_get_centroid_dim(tdcm_model *model, int64_t *dim, int32_t *space);

/** Copy the source's or the adapted centroids, k rows of tdcm_get_centroid_dim() columns.
 *  @param[in] which A ::tdcm_centroids value.
 *  @param[out] out k x dim row-major float32.
 *  @param[in] k Rows of @p out (must equal the model's k).
 *  @param[in] dim Columns of @p out (must equal tdcm_get_centroid_dim()).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT
 *          (unknown @p which, or no source centroids after a collection fit),
 *          ::TDCM_ERR_SHAPE, ::TDCM_ERR_NOT_FITTED, ::TDCM_ERR_NOT_ADAPTED,
 *          ::TDCM_ERR_BUSY. Thread-safe. */
TDCM_API tdcm_status tdcm_get_centroids(tdcm_model *model, int32_t which, float *out, int64_t k,
                                        int64_t dim);

/** Start from the user's own centroids (k x d, in the space tdcm_get_centroids()
 *  uses). On an unfitted model of algo=kmeans, or algo=tdcm with
 *  encoder=identity and metric=gaussian, they make it fitted, with these
 *  centroids as its source clusters (d is then the input width). On a fitted
 *  model they replace the source centroids (cluster shapes and sizes, where
 *  known, are kept) and drop any adaptation.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT,
 *          ::TDCM_ERR_NON_FINITE, ::TDCM_ERR_SHAPE, ::TDCM_ERR_BUSY. Modifies the model. */
TDCM_API tdcm_status tdcm_set_centroids(tdcm_model *model, const float *centroids, int64_t k,
                                        int64_t d);
/** @} */

/** @name Scale-out: a process group (communicator)
 *  Many processes (ranks) compute one model, each passing its own shard of
 *  the rows, over PyTorch's c10d with the Gloo backend. Create a communicator
 *  on every rank, install it on each rank's model with tdcm_set_comm(), then
 *  make the same calls on every rank:
 *  - tdcm_fit() / tdcm_fit_progress(): each rank passes its shard; the model
 *    is the one a single process fits on the shards concatenated in rank
 *    order (rank 0's rows first). k-means: the same k-means++ draws and
 *    Lloyd iterations over all-reduced per-cluster sums and counts, so the
 *    same labels. algo=tdcm with training (epochs or pretrain_epochs > 0):
 *    every step's global batch is the one process's; each rank encodes a
 *    share of it and the gradients are all-reduced. set_ids must be NULL.
 *    The progress callback runs on every rank; one rank cancelling cancels all.
 *  - tdcm_adapt(), tdcm_assign(), tdcm_assign_report(): each rank passes its
 *    shard of the target; each block's sufficient statistics are all-reduced,
 *    so the adapted centroids are the one-process result on the concatenated
 *    target, and each rank labels its own rows.
 *  - tdcm_predict() and every other call stay local (no communication).
 *  Sums over ranks are added in double and in rank order, so every rank holds
 *  the same model bit for bit; against one process they differ by rounding
 *  only (README, "Scale-out", states the tolerances measured).
 *  At the start of each distributed call the ranks check that they make the
 *  same call with the same parameters (run-time keys aside) and the same d:
 *  otherwise, or when another rank failed its own argument checks, each
 *  fails with ::TDCM_ERR_DISTRIBUTED. A peer that dies fails the others with
 *  ::TDCM_ERR_DISTRIBUTED, one that hangs or never arrives with
 *  ::TDCM_ERR_TIMEOUT, within the timeout. After such a failure the
 *  communicator is unusable: destroy it and create a new one.
 *  @{ */
/** Opaque communicator: one rank's membership of a process group. */
typedef struct tdcm_comm tdcm_comm;

/** Join a process group: blocks until all @p world_size ranks have arrived.
 *  @param[out] out Receives the communicator (NULL on failure); free with tdcm_comm_destroy().
 *  @param[in] rank This process's rank, in [0, world_size).
 *  @param[in] world_size Ranks in the group (>= 1).
 *  @param[in] rendezvous Where the ranks meet: "HOST:PORT" (or "tcp://HOST:PORT"),
 *             a TCPStore that rank 0 serves on PORT and the others connect to;
 *             or "file:PATH", a FileStore on a file every rank can reach (a path
 *             not used before; the last rank to leave removes it). Set
 *             GLOO_SOCKET_IFNAME to choose the network interface; with a
 *             loopback HOST (127.x, localhost) the group stays on loopback.
 *  @param[in] timeout_ms Bound on the rendezvous and on every collective (> 0).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT,
 *          ::TDCM_ERR_TIMEOUT (a rank did not arrive), ::TDCM_ERR_DISTRIBUTED
 *          (also: built without c10d's Gloo backend). Thread-safe. */
TDCM_API tdcm_status tdcm_comm_create(tdcm_comm **out, int32_t rank, int32_t world_size,
                                      const char *rendezvous, int32_t timeout_ms);

/** Leave the group and free the communicator. NULL is a no-op. Models it is
 *  installed on keep the group alive until they drop it (tdcm_set_comm(model,
 *  NULL) or tdcm_destroy()). */
TDCM_API void tdcm_comm_destroy(tdcm_comm *comm);

/** This rank and the group's size.
 *  @param[out] rank, world_size Receive them (either may be NULL).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT. Thread-safe. */
TDCM_API tdcm_status tdcm_comm_info(tdcm_comm *comm, int32_t *rank, int32_t *world_size);

/** Make the model's fit, adapt and assign calls distributed over @p comm (NULL:
 *  local again). One distributed call at a time per communicator (a second
 *  one meanwhile gets ::TDCM_ERR_BUSY).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_BUSY. Modifies the model. */
TDCM_API tdcm_status tdcm_set_comm(tdcm_model *model, tdcm_comm *comm);
/** @} */

/** Clustering quality of @p pred against ground truth @p truth (both n
 *  labels, any non-negative int32 values; the number of clusters may differ
 *  from the number of classes).
 *  @param[out] out NMI, ARI and ACC (Hungarian matching).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT.
 *  Thread-safe. */
TDCM_API tdcm_status tdcm_metrics(const int32_t *truth, const int32_t *pred, int64_t n,
                                  tdcm_metrics_result *out);

/** ACC-kept: the cluster-to-label map is found once (Hungarian) on the
 *  source labelling and then applied unchanged to the target labelling. It
 *  measures whether cluster identities survive a transfer.
 *  @param[out] acc_kept Accuracy of the target under the source's map.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT.
 *  Thread-safe. */
TDCM_API tdcm_status tdcm_metrics_acc_kept(const int32_t *source_truth, const int32_t *source_pred,
                                           int64_t n_source, const int32_t *target_truth,
                                           const int32_t *target_pred, int64_t n_target,
                                           double *acc_kept);

/** Calibration of soft assignments, under the cluster-to-label map found
 *  (Hungarian) on a source labelling, as tdcm_metrics_acc_kept().
 *  @param[in] target_probs n_target x k probabilities (rows sum to 1).
 *  @param[out] ece Expected calibration error of each row's top probability
 *              (10 equal-width bins): sum over bins of |accuracy - mean
 *              confidence| weighted by the bin's share of rows.
 *  @param[out] log_loss Mean -log of the probability given to the true label
 *              (the summed probabilities of the clusters mapped to it; at
 *              least 1e-15).
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT.
 *  Thread-safe. */
TDCM_API tdcm_status tdcm_metrics_calibration(const int32_t *source_truth,
                                              const int32_t *source_pred, int64_t n_source,
                                              const int32_t *target_truth,
                                              const float *target_probs, int64_t n_target,
                                              int64_t k, double *ece, double *log_loss);

/** Match the clusters of two labelled sets one to one by shape and position:
 *  each cluster's mean and covariance from its rows, then the Hungarian
 *  assignment on ||log S_t - log S_s||_F (matrix logarithm) +
 *  ||mu_t - mu_s||^2 / (2 drift_scale^2 d). A measuring stick for scoring a
 *  refit (which numbers its clusters arbitrarily) in the source's numbering.
 *  @param[in] source_labels, target_labels labels in [0, k).
 *  @param[in] drift_scale The expected movement of a centre per coordinate (> 0).
 *  @param[out] target_to_source k entries: the source cluster of each target cluster.
 *  @return ::TDCM_OK, ::TDCM_ERR_NULL_ARGUMENT, ::TDCM_ERR_INVALID_ARGUMENT,
 *          ::TDCM_ERR_NON_FINITE. Thread-safe. */
TDCM_API tdcm_status tdcm_metrics_match_clusters(const float *source_x,
                                                 const int32_t *source_labels, int64_t n_source,
                                                 const float *target_x,
                                                 const int32_t *target_labels, int64_t n_target,
                                                 int64_t d, int64_t k, double drift_scale,
                                                 int32_t *target_to_source);

/** Generate one data set pair of protocol P1 ("synth-drift"): K Gaussian
 *  clusters with random full covariances, and a target whose centers moved.
 *  Each set has k * n_per_cluster rows of d columns, shuffled.
 *  @param[in] k Clusters (>= 1). @param[in] d Dimension (>= 1).
 *  @param[in] n_per_cluster Rows per cluster (>= 1).
 *  @param[in] seed Generator seed. @param[in] spread Center spread s (> 0).
 *  @param[in] drift Drift ratio r (>= 0).
 *  @param[out] source_x, target_x k*n_per_cluster*d floats each (either may be NULL).
 *  @param[out] source_y, target_y k*n_per_cluster labels each (either may be NULL).
 *  @return ::TDCM_OK, ::TDCM_ERR_INVALID_ARGUMENT. Thread-safe. */
TDCM_API tdcm_status tdcm_synth_drift(int64_t k, int64_t d, int64_t n_per_cluster, uint64_t seed,
                                      double spread, double drift, float *source_x,
                                      int32_t *source_y, float *target_x, int32_t *target_y);

/** One data set of protocol P3 ("synth-structured"): a family of sets that
 *  shares one within-cluster covariance Sigma = Q diag(1 x S, v x (d - S)) Q^T
 *  (Q a random rotation drawn from @p family_seed alone); the set's k centres
 *  lie in the S signal directions, mu = Q [m; 0] with m ~ N(0, s^2 I_S), and
 *  each cluster has n_per_cluster rows from N(mu, Sigma), shuffled. Sets with
 *  the same family seed and other @p seed values form one family.
 *  @param[in] k Clusters (>= 1). @param[in] d Dimension (>= 1).
 *  @param[in] signal_dims S, in [1, d]. @param[in] nuisance_var v (> 0).
 *  @param[in] n_per_cluster Rows per cluster (>= 1). @param[in] spread s (> 0).
 *  @param[in] family_seed The family's seed. @param[in] seed The set's seed.
 *  @param[out] x k*n_per_cluster*d floats, or NULL.
 *  @param[out] y k*n_per_cluster labels, or NULL.
 *  @param[out] covariance d*d doubles (row-major Sigma, the family's), or NULL.
 *  @return ::TDCM_OK, ::TDCM_ERR_INVALID_ARGUMENT. Thread-safe. */
TDCM_API tdcm_status tdcm_synth_structured(int64_t k, int64_t d, int64_t signal_dims,
                                           double nuisance_var, int64_t n_per_cluster,
                                           double spread, uint64_t family_seed, uint64_t seed,
                                           float *x, int32_t *y, double *covariance);

#ifdef __cplusplus
}
#endif

#endif /* TDCM_TDCM_H */
